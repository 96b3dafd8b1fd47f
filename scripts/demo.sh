#!/usr/bin/env bash
# make demo: the main job of keepwf on a throwaway repository.
set -euo pipefail
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/keepwf-demo.XXXXXX")
export GIT_AUTHOR_NAME="Demo User" GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME="Demo User" GIT_COMMITTER_EMAIL=demo@example.com
step() { printf '\n\033[1;36m$ %s\033[0m\n' "$*"; "$@"; }
cd "$DEMO"
step keepwf init .
step git add -A
step git commit -qm "Add hello-alert workflow"
echo; echo "Demo repository left in $DEMO"
