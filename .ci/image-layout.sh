#!/usr/bin/env bash
# Lays out the container image's file tree on this host, without Docker (issue 14):
#
#   bash .ci/image-layout.sh <dir>
#
# It reads the Dockerfile and carries out its instructions itself, so the build commands are
# the Dockerfile's own, not a copy that could drift: every stage gets a directory standing for
# its WORKDIR (a temporary one; the last stage's is <dir>), COPY copies from the build context
# (minus .dockerignore) or from another stage, RUN runs in the stage's directory with its ENV.
# Then the Dockerfile's CMD, run in <dir> with the image's ENV (`--env` prints it, with the
# last WORKDIR mapped to <dir>), is what the container runs.
#
#   bash .ci/image-layout.sh --env <dir>   # the last stage's ENV, one `export` per line
#   bash .ci/image-layout.sh --cmd         # the CMD, one argument per line
#
# What differs from `docker build`: the base image's files are this host's (its node, npm,
# libc), and so the image's Node version is whatever node is on PATH (CI puts Node 24 there).
# Only the Dockerfile features this project uses are supported; anything else stops the script.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCKERFILE=$ROOT/Dockerfile

# The Dockerfile as instructions, one a line: comments dropped, continuation lines joined.
instructions() {
    sed -e '/^[[:space:]]*#/d' "$DOCKERFILE" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | sed -e '/^[[:space:]]*$/d'
}

# Each stage's ENV lines and its WORKDIR, from a first pass (needed by --env and --cmd alone).
final_workdir() { instructions | awk '$1 == "WORKDIR" { w = $2 } END { print w }'; }
final_env() {
    instructions | awk '$1 == "FROM" { env = "" } $1 == "ENV" { $1 = ""; env = env $0 } END { print env }'
}

case "${1:-}" in
--cmd)
    instructions | awk '$1 == "CMD" { $1 = ""; print }' | tail -1 | node -e 'for (const a of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(a)'
    exit 0 ;;
--env)
    dir=$(cd "${2:?usage: image-layout.sh --env <dir>}" && pwd)
    workdir=$(final_workdir)
    for pair in $(final_env); do
        name=${pair%%=*} value=${pair#*=}
        value=${value//$workdir/$dir}
        # $PATH and friends expand as the base image would: from this host's environment.
        printf 'export %s=%q\n' "$name" "$(eval "printf %s \"$value\"")"
    done
    exit 0 ;;
""|-*) echo "usage: image-layout.sh <dir> | --env <dir> | --cmd" >&2; exit 2 ;;
esac

OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -z "$(ls -A "$OUT")" ] || { echo "image-layout: $OUT is not empty" >&2; exit 1; }
STAGES=$(mktemp -d)
trap 'rm -rf "$STAGES"' EXIT

# .dockerignore's patterns (top-level paths only, as this project's are).
mapfile -t IGNORED < <(sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' -e 's:/*$::' "$ROOT/.dockerignore")

# copy <from-dir> <source> <dest>: Docker's COPY for one source (a directory's contents, or a file).
copy() {
    local base=$1 src=$2 dest=$3
    if [ -d "$base/$src" ]; then
        mkdir -p "$dest"
        cp -a "$base/$src/." "$dest/"
        if [ "$base" = "$ROOT" ]; then
            for pattern in "${IGNORED[@]}"; do
                case "$pattern" in "$src"/*) rm -rf "${dest:?}/${pattern#"$src"/}" ;; esac
            done
        fi
    else
        case "$dest" in */) mkdir -p "$dest" ;; *) mkdir -p "$(dirname "$dest")" ;; esac
        cp -a "$base/$src" "$dest"
    fi
}

declare -A STAGE_DIR STAGE_WORKDIR
stage="" dir="" count=0
declare -a ENV_PAIRS=()
total=$(instructions | grep -c '^FROM')
while read -r op rest; do
    case "$op" in
    FROM)
        count=$((count + 1))
        stage=$(awk '{ print (toupper($2) == "AS") ? $3 : "" }' <<<"$rest")
        [ -n "$stage" ] || stage="stage$count"
        if [ "$count" -eq "$total" ]; then dir=$OUT; else dir=$STAGES/$stage; fi
        mkdir -p "$dir"
        ENV_PAIRS=()
        STAGE_DIR[$stage]=$dir
        echo "== image-layout: stage $stage (${rest%% *})" ;;
    WORKDIR)
        # The stage's directory stands for its WORKDIR: one WORKDIR per stage, before its COPY lines.
        [ -z "${STAGE_WORKDIR[$stage]:-}" ] || { echo "image-layout: one WORKDIR per stage" >&2; exit 1; }
        STAGE_WORKDIR[$stage]=$rest ;;
    ENV)
        for pair in $rest; do ENV_PAIRS+=("$pair"); done ;;
    COPY)
        read -r -a words <<<"$rest"
        from=""
        if [[ ${words[0]} == --from=* ]]; then from=${words[0]#--from=}; words=("${words[@]:1}"); fi
        dest=${words[-1]}
        for src in "${words[@]:0:${#words[@]}-1}"; do
            if [ -n "$from" ]; then
                wd=${STAGE_WORKDIR[$from]}
                [[ $src == "$wd"/* ]] || { echo "image-layout: COPY --from=$from $src is not under $wd" >&2; exit 1; }
                copy "${STAGE_DIR[$from]}" "${src#"$wd"/}" "$dir/$dest"
            else
                copy "$ROOT" "$src" "$dir/$dest"
            fi
        done ;;
    RUN)
        echo "== image-layout: RUN $rest"
        (
            cd "$dir"
            for pair in "${ENV_PAIRS[@]}"; do eval "export ${pair%%=*}=\"${pair#*=}\""; done
            bash -euo pipefail -c "$rest"
        ) ;;
    USER | EXPOSE | HEALTHCHECK | CMD) ;; # run time only: the CI step reads CMD and ENV itself
    *) echo "image-layout: unsupported instruction $op" >&2; exit 1 ;;
    esac
done < <(instructions)
echo "== image-layout: done, $OUT"
