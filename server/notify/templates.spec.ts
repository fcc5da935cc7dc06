/** Every notification kind reads in each language, filled from a payload like the ones the services store. */
import { describe, expect, it } from 'vitest';
import { notificationKinds } from '../contracts/notifications.ts';
import { linkPath, render } from './templates.ts';

const payload = {
  bookingId: 'b1',
  sessionId: 's1',
  declarationNumber: '531620260000012345',
  enterpriseName: 'Lianhua Pig Farm',
  slotStart: '2026-12-03T02:00:00.000Z',
  type: 'label_rectification',
  outcome: 'rectify',
  findings: 'Labels missing',
  rule: 'seal_mismatch',
  place: 'Farm · Gate',
  at: '2026-12-03T02:00:00.000Z',
  siteName: 'Farm 1',
  day: '2026-12-02',
  forms: ['husbandry', 'feed'],
  returned: true,
  by: 'Officer Wang',
  title: 'Carton size?',
  titles: { 'zh-CN': '新规定', en: 'New rule' },
  dueOn: '2026-12-18',
  validUntil: '2027-01-31',
  year: 2026,
  usedPercent: 91,
  maxUsedPercent: 90,
  url: 'https://erp.example/hook',
  failures: 10,
  text: 'Open carton 3',
};

describe('notification texts', () => {
  it.each(notificationKinds.flatMap((kind) => (['zh-CN', 'en', 'ru'] as const).map((locale) => [kind, locale] as const)))('%s in %s is filled in', (kind, locale) => {
    const { title, body, link } = render(kind, payload, { locale, timeZone: 'Asia/Shanghai', baseUrl: 'https://watchpost.example' });
    for (const text of [title, body]) {
      expect(text).not.toMatch(/[{}]/);
      expect(text.length).toBeGreaterThan(3);
    }
    expect(link).toBe(`https://watchpost.example${linkPath(kind, payload)}`);
  });

  it('shows instants in the reader’s zone and language', () => {
    expect(render('booking.confirmed', payload, { locale: 'en', timeZone: 'Asia/Shanghai', baseUrl: '' }).body).toContain('10:00');
    expect(render('booking.confirmed', payload, { locale: 'en', timeZone: 'Europe/Moscow', baseUrl: '' }).body).toMatch(/\b5:00/);
    expect(render('form.overdue', payload, { locale: 'ru', timeZone: 'UTC', baseUrl: '' }).body).toContain('2 ежедневные формы');
  });

  it('names an alarm’s rule in the reader’s language and sends the reader where the alarm is seen', () => {
    const farm = { alarmId: 'a1', rule: 'plate_not_registered', place: 'Lianhua · Ramp', at: '2026-12-03T02:00:00.000Z', sessionId: null };
    const zh = render('alarm.raised', farm, { locale: 'zh-CN', timeZone: 'Asia/Shanghai', baseUrl: '' });
    expect(zh.title).toBe('告警：Lianhua · Ramp 车辆未备案');
    expect(zh.body).toContain('告警复核');
    expect(zh.link).toBe('/review');
    const ru = render('alarm.raised', { ...farm, rule: 'camera_offline' }, { locale: 'ru', timeZone: 'UTC', baseUrl: '' });
    expect(ru.title).toBe('Тревога: Камера не в сети, Lianhua · Ramp');
    const session = render('alarm.raised', { ...farm, rule: 'seal_mismatch', sessionId: 's1' }, { locale: 'en', timeZone: 'UTC', baseUrl: '' });
    expect(session.title).toBe('Alarm: Seal number not declared at Lianhua · Ramp');
    expect(session.body).toContain('inspection console');
    expect(session.link).toBe('/officer/session/s1');
    // Stored before rules were named by their code: shown as stored.
    expect(render('alarm.raised', { ...farm, rule: 'seal mismatch' }, { locale: 'en', timeZone: 'UTC', baseUrl: '' }).title).toBe('Alarm: seal mismatch at Lianhua · Ramp');
  });
});
