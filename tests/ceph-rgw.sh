#!/usr/bin/env bash
# Runs a command against a production S3 server: a single-node Ceph cluster (one monitor, one
# in-memory OSD) with the RADOS gateway on 127.0.0.1:7480, from Debian's radosgw, ceph-mon and
# ceph-osd packages. The command sees RIO_TEST_S3_ENDPOINT, RIO_TEST_S3_ACCESS_KEY and
# RIO_TEST_S3_SECRET_KEY; every daemon is stopped when it ends, and its exit status is ours.
#
#   tests/ceph-rgw.sh cargo test --workspace --test it
set -euo pipefail

state=$(mktemp -d)
conf=$state/ceph.conf
ceph_() { ceph -c "$conf" --connect-timeout 20 "$@"; }
stop() {
    local pids
    pids=$(cat "$state"/*.pid 2>/dev/null || true)
    kill $pids 2>/dev/null || true
    # A memstore OSD can take its time over SIGTERM.
    for _ in $(seq 10); do kill -0 $pids 2>/dev/null || break; sleep 0.5; done
    kill -9 $pids 2>/dev/null || true
    rm -rf "$state"
}
trap stop EXIT

# A daemon in the background, its pid kept for `stop`.
daemon() {
    local name=$1
    shift
    "$@" >"$state/$name.log" 2>&1 &
    echo $! >"$state/$name.pid"
}

fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
mkdir -p "$state/mon" "$state/osd" "$state/rgw"
cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]
mon initial members = a
public network = 127.0.0.0/8
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 4294967296
run dir = $state
admin socket = $state/\$name.asok
log file = $state/\$name.ceph.log
mon data = $state/mon/\$cluster-\$id
osd data = $state/osd/\$cluster-\$id
[client.admin]
keyring = $state/admin.keyring
[client.rgw.a]
keyring = $state/rgw.keyring
rgw frontends = beast endpoint=127.0.0.1:7480
rgw data = $state/rgw
EOF

# The monitor, with the admin key.
ceph-authtool --create-keyring "$state/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$state/admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$state/mon.keyring" --import-keyring "$state/admin.keyring" >/dev/null
monmaptool --create --addv a '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]' --fsid "$fsid" \
    "$state/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$state/monmap" --keyring "$state/mon.keyring"
daemon mon ceph-mon -c "$conf" -i a -f
ceph_ -s >/dev/null

# One OSD, in memory.
osd_uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
osd=$(ceph_ osd create "$osd_uuid")
mkdir -p "$state/osd/ceph-$osd"
ceph-osd -c "$conf" -i "$osd" --mkfs --mkkey --no-mon-config --osd-uuid "$osd_uuid" \
    >"$state/osd-mkfs.log" 2>&1
ceph_ auth add "osd.$osd" osd 'allow *' mon 'allow profile osd' \
    -i "$state/osd/ceph-$osd/keyring" >/dev/null 2>&1
daemon osd ceph-osd -c "$conf" -i "$osd" -f
for _ in $(seq 60); do ceph_ osd stat 2>/dev/null | grep -q '1 up' && break; sleep 1; done

# The gateway, and an S3 user for the tests.
ceph_ auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$state/rgw.keyring"
daemon rgw radosgw -c "$conf" -n client.rgw.a -f
for _ in $(seq 120); do (exec 3<>/dev/tcp/127.0.0.1/7480) 2>/dev/null && break; sleep 1; done
access_key=RIOTEST$(python3 -c 'import secrets; print(secrets.token_hex(6).upper())')
secret_key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
radosgw-admin -c "$conf" user create --uid=rio-tests --display-name=rio-tests \
    --access-key="$access_key" --secret="$secret_key" >/dev/null
echo "ceph-rgw.sh: the RADOS gateway answers on http://127.0.0.1:7480" >&2

RIO_TEST_S3_ENDPOINT=http://127.0.0.1:7480 \
    RIO_TEST_S3_ACCESS_KEY=$access_key \
    RIO_TEST_S3_SECRET_KEY=$secret_key \
    "$@"
