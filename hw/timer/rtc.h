/*
 * The MC146818 real-time clock and its 128 bytes of CMOS RAM, at ports
 * 0x70 (index; bit 7 is the NMI mask) and 0x71 (data). Time comes from the
 * host (UTC) or from a fixed start time advancing on the virtual clock, for
 * deterministic runs.
 */
#ifndef VESSEL_HW_TIMER_RTC_H
#define VESSEL_HW_TIMER_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define RTC_PORT 0x70
#define RTC_NVRAM_SIZE 128

/* Register indexes. */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32

#define RTC_A_UIP 0x80
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80

typedef struct RTCState RTCState;

/*
 * `irq8` (copied; may be NULL) is raised while IRQF is set. With
 * start_time < 0 the clock follows the host (CLOCK_HOST, UTC) and its
 * interrupts run on host time; otherwise it starts at start_time (seconds
 * since 1970-01-01 UTC) and advances on CLOCK_VIRTUAL.
 */
RTCState *rtc_new(const IRQLine *irq8, int64_t start_time);
/* Deletes the timers, unmaps (if mapped) and frees. */
void rtc_free(RTCState *s);
/* The RESET pin: clears PIE, AIE, UIE, SQWE and the flags in register C,
 * lowering IRQ8. Time and CMOS RAM are battery-backed and survive. */
void rtc_reset(void *opaque);  /* opaque: RTCState; fits machine_register_reset */
/* Maps 0x70-0x71. */
void rtc_map(RTCState *s, MemoryRegion *io_root);

/* CMOS access for the board (memory sizes, boot order...). An index
 * outside 0..127 is ignored (reads give 0xff). Time registers behave as a
 * guest write/read would; reading register C this way does not clear it. */
void rtc_set_nvram(RTCState *s, int index, uint8_t value);
uint8_t rtc_get_nvram(RTCState *s, int index);
/* The current time as seconds since 1970-01-01 UTC (as the registers say). */
int64_t rtc_get_time(RTCState *s);
/* Whether the last index write set bit 7 (NMI disabled). */
bool rtc_nmi_disabled(const RTCState *s);

extern const MemoryRegionOps rtc_ops;  /* opaque: RTCState, 2 ports */

#endif
