"""keepwf: run Keep alert-response workflows as code, versioned and audited in git."""

__version__ = "0.1.0"
ISSUES_URL = "https://github.com/keepwf/keepwf/issues"
