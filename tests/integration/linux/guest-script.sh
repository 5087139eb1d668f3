#!/bin/sh
# Runs inside the default guest (busybox) for the Linux integration test: prints
# results the host checks, then the initramfs's /init powers the machine off.
echo "VESSEL-TEST: userspace reached"
seq 1 20000 > /tmp/data
echo "VESSEL-TEST: sum $(md5sum /tmp/data | cut -d' ' -f1)"
echo "VESSEL-TEST: arith $((123456789 * 987 % 1000003))"
echo "VESSEL-TEST: float $(awk 'BEGIN { x = 0; for (i = 1; i <= 1000; i++) x += 1 / i; printf "%.6f", x * 1.5 }')"
echo "VESSEL-TEST: cpus $(grep -c ^processor /proc/cpuinfo)"
echo "VESSEL-TEST: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "VESSEL-TEST: ioapic $(grep -c IO-APIC /proc/interrupts)"
