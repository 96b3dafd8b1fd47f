"""Every git read and write of keepwf. pygit2 is imported here only, lazily; its errors become keepwf errors here."""
