# shellcheck shell=bash
# Step: the BFQ I/O scheduler on the disks, so per-job IO weights (blkio.bfq.weight / io.bfq.weight)
# take effect. Changing a host's scheduler is intrusive, so this runs only when asked
# (CJM_IOSCHED=bfq; the Vagrantfile asks for it in the VM).

UDEV_RULE=/etc/udev/rules.d/60-cjm-iosched.rules
BFQ_MODULES_LOAD=/etc/modules-load.d/cjm-bfq.conf
SYS_BLOCK=/sys/block
DISK_PATTERN='^(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme[0-9]+n[0-9]+)$'

step_iosched() {
  local dev sched
  if write_file "$UDEV_RULE" 0644 root:root <<'EOF_RULE'; then
# Written by provision/provision.sh (cjm): the BFQ scheduler on whole disks, so cgroup IO weights
# work. Check: cat /sys/block/<disk>/queue/scheduler  ->  [bfq] is the active one.
ACTION=="add|change", SUBSYSTEM=="block", ENV{DEVTYPE}=="disk", KERNEL=="sd[a-z]*|vd[a-z]*|xvd[a-z]*|nvme[0-9]*n[0-9]*", ATTR{queue/scheduler}="bfq"
EOF_RULE
    changed "wrote $UDEV_RULE"
  fi
  # The rule only works if bfq is available when udev applies it at boot.
  if write_file "$BFQ_MODULES_LOAD" 0644 root:root <<<"bfq"; then
    changed "wrote $BFQ_MODULES_LOAD"
  fi
  modprobe bfq 2>/dev/null || true
  if command -v udevadm >/dev/null && pgrep -x systemd-udevd >/dev/null; then
    udevadm control --reload 2>/dev/null || true
  fi
  for dev in "$SYS_BLOCK"/*; do
    [[ "${dev##*/}" =~ $DISK_PATTERN && -w "$dev/queue/scheduler" ]] || continue
    sched=$(cat "$dev/queue/scheduler")
    [[ "$sched" == *"[bfq]"* ]] && continue
    if [[ "$sched" != *bfq* ]]; then
      fail "the kernel offers no bfq scheduler for ${dev##*/} ($sched); install the kernel's extra modules (linux-modules-extra-\$(uname -r)) and run again"
    fi
    echo bfq >"$dev/queue/scheduler" || fail "could not set bfq on ${dev##*/}"
    changed "${dev##*/}: bfq (was: $sched)"
  done
}
