#!/bin/sh
# Runs inside the default guest for the Linux reboot test: CMOS NVRAM byte
# 0x7d (battery-backed, kept across resets) tells the first boot from the
# second. The first boot marks it and reboots; the second clears it and
# returns, after which /init powers the machine off.
port_out() { printf "\\$(printf %03o "$2")" | dd of=/dev/port bs=1 seek="$1" count=1 conv=notrunc 2>/dev/null; }
port_in() { dd if=/dev/port bs=1 skip="$1" count=1 2>/dev/null | od -An -tu1 | tr -d ' \n'; }
port_out 112 125            # CMOS index register 0x70 <- 0x7d
mark=$(port_in 113)         # CMOS data register 0x71
if [ "$mark" != 165 ]; then
  port_out 112 125
  port_out 113 165
  echo "VESSEL-TEST: first boot (mark $mark), rebooting"
  reboot -f
  sleep 20
  echo "VESSEL-TEST: reboot did not happen"
else
  port_out 112 125
  port_out 113 0
  echo "VESSEL-TEST: second boot"
fi
