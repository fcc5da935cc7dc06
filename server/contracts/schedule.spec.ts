import { describe, expect, it } from 'vitest';
import { cameraSchedule, isTimeZone, scheduleState, timeZone, type CameraSchedule } from './schedule.ts';

const workingHours: CameraSchedule = { windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }] };
// 2026-12-02 is a Wednesday; Shanghai is UTC+8 all year.
const shanghai = (local: string) => new Date(`${local}+08:00`);

describe('camera schedule', () => {
  it('is always on without a schedule', () => {
    expect(scheduleState(null, 'Asia/Shanghai', new Date())).toEqual({ active: true, nextChangeAt: null });
  });

  it('follows working hours in the port’s local time, not UTC', () => {
    expect(scheduleState(workingHours, 'Asia/Shanghai', shanghai('2026-12-02T09:30:00'))).toEqual({ active: true, nextChangeAt: shanghai('2026-12-02T18:00:00') });
    // 07:59 local is 23:59 UTC the day before: off, starting at 08:00 local.
    expect(scheduleState(workingHours, 'Asia/Shanghai', shanghai('2026-12-02T07:59:30'))).toEqual({ active: false, nextChangeAt: shanghai('2026-12-02T08:00:00') });
    expect(scheduleState(workingHours, 'Asia/Shanghai', shanghai('2026-12-02T18:00:00')).active).toBe(false);
    // The same instant in Moscow (UTC+3) is 04:30: off.
    expect(scheduleState(workingHours, 'Europe/Moscow', shanghai('2026-12-02T09:30:00')).active).toBe(false);
    // Friday evening: the next start is Monday morning.
    expect(scheduleState(workingHours, 'Asia/Shanghai', shanghai('2026-12-04T19:00:00'))).toEqual({ active: false, nextChangeAt: shanghai('2026-12-07T08:00:00') });
  });

  it('runs a window past midnight into the next day, Sunday into Monday included', () => {
    const nights: CameraSchedule = { windows: [{ days: [5, 7], from: '22:00', to: '06:00' }] };
    expect(scheduleState(nights, 'Asia/Shanghai', shanghai('2026-12-04T23:00:00')).active).toBe(true); // Friday night
    expect(scheduleState(nights, 'Asia/Shanghai', shanghai('2026-12-05T05:59:00'))).toEqual({ active: true, nextChangeAt: shanghai('2026-12-05T06:00:00') });
    expect(scheduleState(nights, 'Asia/Shanghai', shanghai('2026-12-05T23:00:00')).active).toBe(false); // Saturday: not listed
    expect(scheduleState(nights, 'Asia/Shanghai', shanghai('2026-12-07T03:00:00')).active).toBe(true); // Sunday's night, Monday 03:00
    expect(scheduleState(nights, 'Asia/Shanghai', shanghai('2026-12-07T07:00:00')).active).toBe(false);
  });

  it('joins overlapping windows: the change is where the union ends', () => {
    const split: CameraSchedule = {
      windows: [
        { days: [3], from: '08:00', to: '12:00' },
        { days: [3], from: '11:00', to: '14:00' },
      ],
    };
    expect(scheduleState(split, 'Asia/Shanghai', shanghai('2026-12-02T10:00:00')).nextChangeAt).toEqual(shanghai('2026-12-02T14:00:00'));
    const always: CameraSchedule = {
      windows: [
        { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '23:59' },
        { days: [1, 2, 3, 4, 5, 6, 7], from: '23:59', to: '00:00' },
      ],
    };
    expect(scheduleState(always, 'UTC', new Date())).toEqual({ active: true, nextChangeAt: null });
  });

  it('rejects what is not a schedule or a time zone', () => {
    const bad = [
      { windows: [] },
      { windows: [{ days: [0], from: '08:00', to: '18:00' }] },
      { windows: [{ days: [8], from: '08:00', to: '18:00' }] },
      { windows: [{ days: [1], from: '24:00', to: '18:00' }] },
      { windows: [{ days: [1], from: '8:00', to: '18:00' }] },
      { windows: [{ days: [1], from: '08:00', to: '08:00' }] },
      { windows: [{ days: [], from: '08:00', to: '18:00' }] },
      { windows: Array.from({ length: 15 }, () => ({ days: [1], from: '08:00', to: '09:00' })) },
    ];
    for (const schedule of bad) expect(cameraSchedule.safeParse(schedule).success, JSON.stringify(schedule)).toBe(false);
    expect(cameraSchedule.safeParse(workingHours).success).toBe(true);
    expect(isTimeZone('Asia/Hong_Kong')).toBe(true);
    expect(timeZone.safeParse('Mars/Olympus').success).toBe(false);
    expect(timeZone.safeParse('UTC').success).toBe(true);
  });
});
