#!/usr/bin/env bash
# Evidence memory benchmark: peak RSS and wall time of `gatepass check` on a large SARIF log and a large
# evaluation JSON, each read by one criterion.
#
#   bench/evidence-memory.sh             # from the repository root; builds the release binary
#
# Environment:
#   SIZE_MIB=100             approximate size of each generated evidence file
#   GATEPASS=PATH            benchmark this binary instead of building target/release/gatepass
#   GATEPASS_ARGS="..."      extra arguments for `gatepass check` (default: --max-evidence-size 1GiB, so the
#                            files are read rather than refused by the default 64 MiB cap)
#   GATEPASS_BENCH_DIR=DIR   keep the generated files in DIR and reuse them (default: a temporary directory)
#
# Exit status: 0 when both runs decided (exit 0 or 1), 2 on a setup error or when gatepass could not decide.
set -euo pipefail

SIZE_MIB=${SIZE_MIB:-100}
GATEPASS_ARGS=${GATEPASS_ARGS---max-evidence-size 1GiB}

die() { echo "bench/evidence-memory.sh: $*" >&2; exit 2; }

[[ -f Cargo.toml && -d src ]] || die "run from the repository root"
command -v python3 >/dev/null || die "python3 is needed to generate the evidence files"
HAVE_TIME=0
if /usr/bin/time -f '%M' true >/dev/null 2>&1; then HAVE_TIME=1; fi

if [[ -z ${GATEPASS:-} ]]; then
  echo "building gatepass (release profile)..." >&2
  cargo build --quiet --locked --release --bin gatepass
  GATEPASS=target/release/gatepass
fi
[[ -x $GATEPASS ]] || die "$GATEPASS is not an executable"

if [[ -n ${GATEPASS_BENCH_DIR:-} ]]; then
  DIR=$GATEPASS_BENCH_DIR
  mkdir -p "$DIR"
else
  DIR=$(mktemp -d "${TMPDIR:-/tmp}/gatepass-evidence-bench.XXXXXX")
  trap 'rm -rf "$DIR"' EXIT
fi

python3 - "$DIR" "$SIZE_MIB" <<'PY'
import json, os, sys
out, size = sys.argv[1], int(sys.argv[2]) * 1024 * 1024
os.makedirs(os.path.join(out, "evidence"), exist_ok=True)
os.makedirs(os.path.join(out, "artifacts"), exist_ok=True)
with open(os.path.join(out, "artifacts", "model.bin"), "w") as f:
    f.write("model\n")

def write_if_needed(path, produce):
    if os.path.exists(path) and abs(os.path.getsize(path) - size) < size // 10:
        return
    print(f"writing {path} (~{size >> 20} MiB)...", file=sys.stderr)
    with open(path + ".tmp", "w") as f:
        produce(f)
    os.replace(path + ".tmp", path)

def sarif(f):
    # One CodeQL-like run; every result is a low-severity note, so a critical threshold is met.
    f.write('{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{')
    f.write('"tool":{"driver":{"name":"CodeQL","rules":[{"id":"js/log-injection",'
            '"defaultConfiguration":{"level":"note"},"properties":{"security-severity":"3.1","tags":["security"]}}]}},')
    f.write('"results":[')
    written, i = 0, 0
    while written < size:
        r = {"ruleId": "js/log-injection", "ruleIndex": 0, "level": "note",
             "message": {"text": f"Log entry depends on a user-provided value ({i})."},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": f"src/handler{i % 977}.js", "uriBaseId": "%SRCROOT%", "index": 0},
                                                 "region": {"startLine": i % 5000 + 1, "startColumn": 9, "endColumn": 42}}}],
             "partialFingerprints": {"primaryLocationLineHash": f"{i:016x}:1"},
             "properties": {"precision": "medium", "tags": ["security", "external/cwe/cwe-117"]}}
        text = ("," if i else "") + json.dumps(r, separators=(",", ":"))
        f.write(text)
        written += len(text)
        i += 1
    f.write(']}]}')

def eval_json(f):
    f.write('{"hallucination_rate":0.02,"samples":[')
    written, i = 0, 0
    while written < size:
        s = {"id": i, "prompt": f"Summarise ticket {i}", "score": 0.97, "category": f"c{i % 40}",
             "tokens": [i, i + 1, i + 2], "label": "ok"}
        text = ("," if i else "") + json.dumps(s, separators=(",", ":"))
        f.write(text)
        written += len(text)
        i += 1
    f.write(']}')

write_if_needed(os.path.join(out, "evidence", "scan.sarif"), sarif)
write_if_needed(os.path.join(out, "evidence", "eval.json"), eval_json)
with open(os.path.join(out, "release.toml"), "w") as f:
    f.write('name = "bench"\nversion = "1.0.0"\nchange = "model"\n\n'
            '[artifacts]\nmodel = { path = "artifacts/model.bin" }\n\n'
            '[evidence]\nscan = "evidence/scan.sarif"\neval = "evidence/eval.json"\n')
for name, criterion in [
    ("sarif", 'sarif = { evidence = "scan", fail_on = "critical" }'),
    ("eval", 'metric = { evidence = "eval", pointer = "/hallucination_rate", max = 0.05 }'),
]:
    with open(os.path.join(out, f"policy-{name}.toml"), "w") as f:
        f.write(f'id = "bench-{name}"\nenvironment = "staging"\nissuer = "gatepass:bench"\n\n'
                f'[token]\nttl = "15m"\n\n[[criteria]]\nid = "{name}"\ngate = "technical"\n{criterion}\n')
PY

measure() { # label policy
  local label=$1 policy=$2 code=0 start end rss
  start=$(date +%s.%N)
  if ((HAVE_TIME)); then
    # shellcheck disable=SC2086
    /usr/bin/time -f '%M' -o "$DIR/rss" "$GATEPASS" check --policy "$policy" --release "$DIR/release.toml" \
      $GATEPASS_ARGS >/dev/null 2>"$DIR/stderr" || code=$?
    rss="$(( $(tail -n 1 "$DIR/rss") / 1024 )) MiB"
  else
    # shellcheck disable=SC2086
    "$GATEPASS" check --policy "$policy" --release "$DIR/release.toml" $GATEPASS_ARGS >/dev/null \
      2>"$DIR/stderr" || code=$?
    rss="(GNU time not found at /usr/bin/time)"
  fi
  end=$(date +%s.%N)
  if ((code == 2)); then
    cat "$DIR/stderr" >&2
    die "$label: gatepass could not decide (exit 2)"
  fi
  local file
  file=$(du -m "$DIR/evidence/$3" | cut -f1)
  printf '%-6s %5s MiB evidence  peak RSS %-12s time %6.2f s  (exit %d)\n' \
    "$label" "$file" "$rss" "$(echo "$end - $start" | bc -l)" "$code"
}

measure sarif "$DIR/policy-sarif.toml" scan.sarif
measure eval "$DIR/policy-eval.toml" eval.json
