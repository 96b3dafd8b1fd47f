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
echo; echo "Demo repository left in $DEMO"

# The branch-and-tag release flow as a team uses it (docs/tutorial.md, every command run for real).
printf '\n\033[1;35m== The release flow of docs/tutorial.md (two clones, a bare "server", hooks, reviews, deploys) ==\033[0m\n'
python "$HERE/run_tutorial.py"
