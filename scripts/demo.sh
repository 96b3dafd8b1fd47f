#!/usr/bin/env bash
# make demo: the main job of keepwf on a throwaway repository.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/keepwf-demo.XXXXXX")
export GIT_AUTHOR_NAME="Demo User" GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME="Demo User" GIT_COMMITTER_EMAIL=demo@example.com
step() { printf '\n\033[1;36m$ %s\033[0m\n' "$*"; "$@"; }
cd "$DEMO"
step keepwf init .
step git add -A
step git commit -qm "Add hello-alert workflow"

# -- versions: deploy v1, edit+commit, deploy v2, draft edit, diff, rollback (v3 = v1's commit), history, audit
step keepwf deploy hello-alert -m "First release"
sed -i.bak 's/Paging on-call/Paging the on-call engineer/' workflows/hello-alert.yml && rm -f workflows/hello-alert.yml.bak
step git commit -qam "Clearer page message"
step keepwf deploy hello-alert -m "Second release"
step keepwf status hello-alert --env production
sed -i.bak 's/Got alert/Received alert/' workflows/hello-alert.yml && rm -f workflows/hello-alert.yml.bak
step keepwf status hello-alert --env production
step keepwf diff hello-alert || true   # exit 1: the draft differs
step keepwf rollback hello-alert -m "v2 pages twice"
step keepwf history hello-alert
step keepwf audit
echo; echo "Demo repository left in $DEMO"

# The branch-and-tag release flow as a team uses it (docs/tutorial.md, every command run for real).
printf '\n\033[1;35m== The release flow of docs/tutorial.md (two clones, a bare "server", hooks, reviews, deploys) ==\033[0m\n'
python "$HERE/run_tutorial.py"
