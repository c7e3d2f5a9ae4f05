#!/usr/bin/env bash
# testcluster.sh runs a real etcd, kube-apiserver and kube-controller-manager
# on loopback ports, so netviz can be tried and tested against a live API
# server without Docker or a kubelet. See hack/README.md.
#
#   hack/testcluster.sh build   build the binaries into the cache if needed
#   hack/testcluster.sh up      build if needed, start, print KUBECONFIG=... last
#   hack/testcluster.sh down    stop everything and remove the state
#   hack/testcluster.sh status  say whether it is running
#
# Environment:
#   NETVIZ_KUBEBIN          binary cache (default ~/.cache/netviz/kubebin)
#   NETVIZ_TESTCLUSTER_DIR  state dir (default ${TMPDIR:-/tmp}/netviz-testcluster)
#   NETVIZ_TESTCLUSTER_USERS  extra token users provisioned at start, as
#                           "name[:group1,group2] ..." (always: viewer ns-viewer no-netpol)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=$ROOT/hack/kubebin
BIN=${NETVIZ_KUBEBIN:-$HOME/.cache/netviz/kubebin}
STATE=${NETVIZ_TESTCLUSTER_DIR:-${TMPDIR:-/tmp}/netviz-testcluster}
USERS="viewer ns-viewer no-netpol ${NETVIZ_TESTCLUSTER_USERS:-}"
BINARIES="etcd kube-apiserver kube-controller-manager kubehelper"
CONTROLLERS=serviceaccount-controller,namespace-controller,endpointslice-controller,endpointslice-mirroring-controller,garbage-collector-controller,root-ca-certificate-publisher-controller

log() { echo "testcluster: $*" >&2; }
die() {
	log "$*"
	exit 1
}

# stamp identifies the sources and toolchain the cached binaries were built
# from. kube/testbed computes the same value, so both share one cache.
stamp() {
	(
		cd "$SRC"
		find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print | LC_ALL=C sort | xargs sha256sum
		go env GOVERSION
	) | sha256sum | cut -d' ' -f1
}

up_to_date() {
	local b
	for b in $BINARIES; do [[ -x $BIN/$b ]] || return 1; done
	[[ -f $BIN/stamp && "$(cat "$BIN/stamp")" == "$1" ]]
}

# ldflags stamps the Kubernetes version from go.mod into the binaries, so
# /version reports a real release rather than v0.0.0-master.
ldflags() {
	local v major minor rest flags="-s -w" pkg
	v=$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$SRC/go.mod")
	[[ -n $v ]] || die "no k8s.io/kubernetes version in $SRC/go.mod"
	rest=${v#v}
	major=${rest%%.*}
	rest=${rest#*.}
	minor=${rest%%.*}
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		flags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
	done
	echo "$flags"
}

cmd_build() {
	command -v go >/dev/null || die "go is not on PATH"
	mkdir -p "$BIN"
	# The lock is fd 9 only while build_locked runs: processes started
	# later must not inherit it, or they would hold it for their lifetime.
	build_locked "$(stamp)" 9>"$BIN/.lock"
}

# build_locked STAMP builds unless the cache is up to date. Test packages and
# this script may build at once: one builds, the others wait for its flock
# and then find the binaries up to date.
build_locked() {
	local want=$1 tmp b
	if command -v flock >/dev/null; then
		flock 9
	fi
	if up_to_date "$want"; then
		return 0
	fi
	log "building $BINARIES into $BIN (a cold build takes about 4 minutes on 2 cores)"
	tmp=$(mktemp -d "$BIN/.build.XXXXXX")
	if ! (cd "$SRC" && GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" go build -ldflags "$(ldflags)" -o "$tmp/" ./cmd/...); then
		rm -rf "$tmp"
		die "build failed"
	fi
	for b in $BINARIES; do mv -f "$tmp/$b" "$BIN/$b"; done
	rm -rf "$tmp"
	echo "$want" >"$BIN/stamp"
	log "built $BINARIES"
}

# running PID says whether a process runs. A killed component whose parent
# (an earlier run of this script) is gone may stay a zombie until init reaps
# it: that counts as stopped.
running() {
	local stat
	kill -0 "$1" 2>/dev/null || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# pid NAME prints the pid of a running component, and fails when there is
# none. A pid counts only if its command line names the state dir, so that a
# stale pid file never leads to signalling an unrelated process.
pid() {
	local p
	[[ -f $STATE/$1.pid ]] || return 1
	p=$(cat "$STATE/$1.pid")
	running "$p" || return 1
	if [[ -r /proc/$p/cmdline ]]; then
		[[ "$(tr '\0' ' ' <"/proc/$p/cmdline")" == *"$STATE/"* ]] || return 1
	fi
	echo "$p"
}

alive() { pid "$1" >/dev/null; }

# started NAME says whether a component this run started still runs. Unlike
# alive, it does not look at the command line, which right after the fork is
# still this script's.
started() { running "$(cat "$STATE/$1.pid")"; }

# start NAME ARGS... runs a binary from the cache in the background, detached
# from this script, with its output in the state dir's logs.
start() {
	local name=$1
	shift
	nohup "$BIN/$name" "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$STATE/$name.pid"
}

fail_with_log() {
	log "$1; last lines of $STATE/logs/$2.log:"
	tail -n 20 "$STATE/logs/$2.log" >&2 || true
	cmd_down >/dev/null 2>&1 || true
	exit 1
}

# api_get PATH succeeds when the API server answers GET PATH with 200 OK.
api_get() {
	"$BIN/kubehelper" get -server "https://127.0.0.1:$API_PORT" -ca "$STATE/pki/ca.crt" -token-file "$STATE/admin.token" "$1"
}

token() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# kubeconfig FILE USER TOKEN writes a kubeconfig for a token user.
kubeconfig() {
	cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: netviz-testcluster
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $STATE/pki/ca.crt
users:
- name: $2
  user:
    token: $3
contexts:
- name: netviz-testcluster
  context:
    cluster: netviz-testcluster
    user: $2
current-context: netviz-testcluster
EOF
	chmod 600 "$1"
}

cmd_up() {
	cmd_build
	if alive kube-apiserver && API_PORT=$(cat "$STATE/port") && api_get /readyz 2>/dev/null; then
		log "already running"
		echo "KUBECONFIG=$STATE/kubeconfig"
		return 0
	fi
	ours || die "$STATE exists and is not a netviz test cluster's state dir"
	cmd_down >/dev/null 2>&1
	mkdir -p "$STATE/logs"
	chmod 700 "$STATE"
	touch "$STATE/.netviz-testcluster"
	"$BIN/kubehelper" pki -dir "$STATE/pki"

	local ports etcd_port peer_port spec name groups t i
	ports=$("$BIN/kubehelper" ports 3)
	etcd_port=$(sed -n 1p <<<"$ports")
	peer_port=$(sed -n 2p <<<"$ports")
	API_PORT=$(sed -n 3p <<<"$ports")
	echo "$API_PORT" >"$STATE/port"

	# Token users: name,uid,"groups". The controller manager gets
	# system:masters so that it needs no per-controller service accounts.
	t=$(token)
	echo "$t" >"$STATE/admin.token"
	echo "$t,admin,admin,\"system:masters\"" >"$STATE/tokens.csv"
	kubeconfig "$STATE/kubeconfig" admin "$t"
	t=$(token)
	echo "$t,system:kube-controller-manager,system:kube-controller-manager,\"system:masters\"" >>"$STATE/tokens.csv"
	kubeconfig "$STATE/kube-controller-manager.kubeconfig" system:kube-controller-manager "$t"
	for spec in $USERS; do
		name=${spec%%:*}
		groups=
		[[ $spec == *:* ]] && groups=${spec#*:}
		t=$(token)
		if [[ -n $groups ]]; then
			echo "$t,$name,$name,\"$groups\"" >>"$STATE/tokens.csv"
		else
			echo "$t,$name,$name" >>"$STATE/tokens.csv"
		fi
		kubeconfig "$STATE/kubeconfig-$name" "$name" "$t"
	done
	chmod 600 "$STATE/tokens.csv" "$STATE/admin.token"

	start etcd --name=netviz --data-dir="$STATE/etcd" \
		--listen-client-urls="http://127.0.0.1:$etcd_port" --advertise-client-urls="http://127.0.0.1:$etcd_port" \
		--listen-peer-urls="http://127.0.0.1:$peer_port" --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
		--initial-cluster="netviz=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level=warn
	for ((i = 0; i < 100; i++)); do
		started etcd || fail_with_log "etcd exited" etcd
		(exec 3<>"/dev/tcp/127.0.0.1/$etcd_port") 2>/dev/null && break
		sleep 0.1
	done

	start kube-apiserver --etcd-servers="http://127.0.0.1:$etcd_port" \
		--secure-port="$API_PORT" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
		--endpoint-reconciler-type=none --cert-dir="$STATE/pki" \
		--tls-cert-file="$STATE/pki/apiserver.crt" --tls-private-key-file="$STATE/pki/apiserver.key" \
		--client-ca-file="$STATE/pki/ca.crt" \
		--token-auth-file="$STATE/tokens.csv" --authorization-mode=RBAC \
		--service-account-issuer=https://kubernetes.default.svc \
		--service-account-key-file="$STATE/pki/sa.pub" --service-account-signing-key-file="$STATE/pki/sa.key" \
		--service-cluster-ip-range=10.96.0.0/16 --shutdown-watch-termination-grace-period=2s
	for ((i = 0; ; i++)); do
		started kube-apiserver || fail_with_log "kube-apiserver exited" kube-apiserver
		api_get /readyz 2>/dev/null && break
		((i < 300)) || fail_with_log "kube-apiserver not ready after 60s" kube-apiserver
		sleep 0.2
	done

	start kube-controller-manager --kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
		--controllers="$CONTROLLERS" --leader-elect=false --bind-address=127.0.0.1 --secure-port=0 \
		--kube-api-qps=500 --kube-api-burst=1000 --concurrent-service-endpoint-syncs=10 \
		--service-account-private-key-file="$STATE/pki/sa.key" --root-ca-file="$STATE/pki/ca.crt"
	# Until the controller manager has made a namespace's default
	# ServiceAccount, the API server rejects pods there.
	for ((i = 0; ; i++)); do
		started kube-controller-manager || fail_with_log "kube-controller-manager exited" kube-controller-manager
		api_get /api/v1/namespaces/default/serviceaccounts/default 2>/dev/null && break
		((i < 300)) || fail_with_log "no default ServiceAccount after 60s" kube-controller-manager
		sleep 0.2
	done

	log "API server https://127.0.0.1:$API_PORT; logs in $STATE/logs"
	for spec in $USERS; do
		log "kubeconfig for user ${spec%%:*}: $STATE/kubeconfig-${spec%%:*}"
	done
	echo "KUBECONFIG=$STATE/kubeconfig"
}

# stop NAME kills a component and waits for it to exit. Its state is thrown
# away, so there is nothing to shut down gracefully for, and the API server
# would take seconds to.
stop() {
	local p i
	if p=$(pid "$1"); then
		kill -KILL "$p" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			running "$p" || break
			sleep 0.1
		done
	fi
	rm -f "$STATE/$1.pid"
}

# ours says whether STATE is missing or a state dir this script made, so
# that a mistyped NETVIZ_TESTCLUSTER_DIR is never deleted.
ours() { [[ ! -e $STATE || -f $STATE/.netviz-testcluster ]]; }

cmd_down() {
	ours || die "$STATE is not a netviz test cluster's state dir; not touching it"
	stop kube-controller-manager
	stop kube-apiserver
	stop etcd
	rm -rf "$STATE"
	log "stopped"
}

cmd_status() {
	local name rc=0
	for name in etcd kube-apiserver kube-controller-manager; do
		if alive "$name"; then
			echo "$name: running (pid $(pid "$name"))"
		else
			echo "$name: stopped"
			rc=1
		fi
	done
	[[ $rc == 0 ]] && echo "KUBECONFIG=$STATE/kubeconfig"
	return $rc
}

case "${1:-}" in
build) cmd_build ;;
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
# For kube/testbed's test that both compute the same cache key.
stamp) stamp ;;
ldflags) ldflags ;;
*)
	echo "usage: $0 build|up|down|status" >&2
	exit 2
	;;
esac
