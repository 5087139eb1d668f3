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
# The kernel's view of the interrupt controllers.
echo "VESSEL-TEST: ioapic $(grep -c IO-APIC /proc/interrupts)"
echo "VESSEL-TEST: loc $(awk '$1 == "LOC:" { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) printf "%s ", $i }' /proc/interrupts)"
echo "VESSEL-TEST: madt $(dmesg | grep -c 'Using ACPI (MADT) for SMP configuration')"
echo "VESSEL-TEST: madt-cpus $(dmesg | sed -n 's/.*smpboot: Allowing \([0-9]*\) CPUs.*/\1/p' | head -n 1)"
echo "VESSEL-TEST: ioapic-found $(dmesg | grep -c 'IOAPIC\[0\]: apic_id')"
echo "VESSEL-TEST: apic-mode $(dmesg | grep -c 'APIC: Switch to symmetric I/O mode')"
echo "VESSEL-TEST: smbios $(dmesg | grep -c 'SMBIOS .* present')"
echo "VESSEL-TEST: done"
