#!/usr/bin/env bash
# The benchmark, in one command (see bench/README.md): our serve endpoint against the official Inngest TypeScript SDK,
# then the real pipeline end to end. Writes docs/benchmarks.md.
#
#   bench/run.sh                                  # about 12 minutes on 2 cores
#   BENCH_DURATION=3 BENCH_WARMUP=2 BENCH_E2E_RUNS=2 BENCH_E2E_LONG_RUNS=1 BENCH_E2E_CONCURRENT=100 bench/run.sh   # quick
#
# Needs a JDK 17+ and Node.js 20+ with npm; installs the npm packages of bench/reference (npm ci) and builds the
# production jar when it is missing or older than the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

command="bench/run.sh"
for var in BENCH_DURATION BENCH_WARMUP BENCH_CONCURRENCY BENCH_E2E_RUNS BENCH_E2E_LONG_RUNS BENCH_E2E_LONG_SCALE \
           BENCH_E2E_CONCURRENT BENCH_E2E_RAMP BENCH_PARTS BENCH_OUTPUT BENCH_MEMORY_LIMIT BENCH_E2E_MEMORY_LIMIT BENCH_STARTS BENCH_JDK25 BENCH_CAPACITY_RUNS BENCH_CAPACITY_MEMORY \
           BENCH_FAIRNESS_RUNS BENCH_FAIRNESS_B_UPLOADS BENCH_FAIRNESS_MEMORY BENCH_FAIRNESS_SHARE BENCH_FAIRNESS_DECLARED_REPLICAS BENCH_FAIRNESS_ROUNDS \
           BENCH_RATELIMIT_RUNS BENCH_RATELIMIT_FAULTS BENCH_RATELIMIT_RETRY_AFTER BENCH_RATELIMIT_MEMORY BENCH_RATELIMIT_PAIRS \
           BENCH_LIVE_UPLOADS BENCH_LIVE_STREAMS_PER_UPLOAD BENCH_LIVE_OWNERS BENCH_LIVE_RAMP BENCH_LIVE_MEMORY BENCH_LIVE_ENV; do
  if [ -n "${!var:-}" ]; then command="$var=${!var} $command"; fi
done
export BENCH_COMMAND="$command"

for tool in java node npm; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required (JDK 17+, Node.js 20+ with npm)" >&2; exit 1; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "bench: Node.js 20 or newer is required (inngest 4 needs it); found $(node --version)" >&2
  exit 1
fi

# 1. the production jar, rebuilt when missing or older than the sources or the pom
jar=target/quarkus-app/quarkus-run.jar
if [ ! -f "$jar" ] || [ -n "$(find src/main pom.xml -newer "$jar" -type f -print -quit)" ]; then
  echo "bench: building the production jar"
  ./mvnw -B -ntp -q package -DskipTests
fi

# 1b. the jar with its JDK 25 AOT cache, for the start-up part, built in a copy of the project (target/aot-build): the
# integration test PipelineIT trains the cache there (Quarkus records a run without a test profile), and the cache only
# serves the directory it was trained in (it keeps absolute paths, Quarkus' own state among them)
jdk25=${BENCH_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
aot=target/aot-build/target/quarkus-app/app.aot
if [[ ",${BENCH_PARTS:-serve,no-flags,startup,e2e,capacity}," == *",startup,"* ]] && [ -x "$jdk25/bin/java" ]; then
  if [ ! -f "$aot" ] || [ -n "$(find src pom.xml -newer "$aot" -type f -print -quit)" ]; then
    echo "bench: building the jar with its JDK 25 AOT cache in target/aot-build (JAVA_HOME=$jdk25, trained by PipelineIT)"
    rm -rf target/aot-build && mkdir -p target/aot-build
    tar --exclude=./target --exclude=./.git --exclude=./bench/reference/node_modules -cf - . | tar -xf - -C target/aot-build
    (cd target/aot-build && JAVA_HOME=$jdk25 ./mvnw -B -ntp -q verify -Dquarkus.package.jar.aot.enabled=true \
      -Dquarkus.package.jar.aot.type=AOT -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=PipelineIT \
      -Dfailsafe.failIfNoSpecifiedTests=false)
  fi
fi

# 1c. the start-up floors (bench/floor: Quarkus with one quarkus-rest resource; the same with Hibernate Reactive
# Panache, the reactive PostgreSQL client and one entity), for the start-up part: built like the service's AOT jar in
# target/startup-floor; the driver trains their caches with -XX:AOTCacheOutput
floor=target/startup-floor/persistence/target/quarkus-app/quarkus-run.jar
if [[ ",${BENCH_PARTS:-serve,no-flags,startup,e2e,capacity}," == *",startup,"* ]] && [ -x "$jdk25/bin/java" ]; then
  if [ ! -f "$floor" ] || [ -n "$(find bench/floor -newer "$floor" -type f -print -quit)" ]; then
    echo "bench: building the start-up floors (bench/floor) in target/startup-floor"
    rm -rf target/startup-floor && cp -r bench/floor target/startup-floor
    JAVA_HOME=$jdk25 ./mvnw -B -ntp -q -f target/startup-floor/pom.xml package -DskipTests \
      -Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=AOT
  fi
fi

# 2. the reference server's npm packages (pinned by package-lock.json)
if [ ! -d bench/reference/node_modules/inngest ] || [ bench/reference/package-lock.json -nt bench/reference/node_modules/.package-lock.json ]; then
  echo "bench: installing the reference server's npm packages"
  (cd bench/reference && npm ci --no-audit --no-fund --loglevel=error)
fi

# 3. the driver (src/test/java/io/mediafanout/bench/Benchmark.java) does the rest and writes docs/benchmarks.md
echo "bench: running $command"
exec ./mvnw -B -ntp -q -Pbench test-compile exec:exec
