import { describe, expect, it } from 'vitest';
import { BUILTIN_PLATE_FORMATS, isContainerNumber, parsePlate, parseSeal } from './code-formats.ts';

describe('plate formats', () => {
  it('reads each supported layout, without separators', () => {
    expect(parsePlate('粤B·12345')).toMatchObject({ text: '粤B12345', format: 'mainland', corrections: 0 });
    expect(parsePlate('粤B·D12345')).toMatchObject({ text: '粤BD12345', format: 'mainland_new_energy' });
    expect(parsePlate('粤B·12345F')).toMatchObject({ text: '粤B12345F', format: 'mainland_new_energy' });
    expect(parsePlate('粤Z·A123港')).toMatchObject({ text: '粤ZA123港', format: 'cross_border' });
    expect(parsePlate('粤Z·HK12澳')).toMatchObject({ text: '粤ZHK12澳', format: 'cross_border' });
    expect(parsePlate('AB 1234')).toMatchObject({ text: 'AB1234', format: 'hong_kong' });
    expect(parsePlate('K 88')).toMatchObject({ text: 'K88', format: 'hong_kong' });
    expect(parsePlate('ABC 1234')).toMatchObject({ text: 'ABC1234', format: 'generic' });
  });

  it('reads generic plates as seen: three letters and three digits keep their letters', () => {
    for (const plate of ['PJL034', 'XMT776', 'ABS234', 'ABI234', 'KZB 512']) expect(parsePlate(plate), plate).toMatchObject({ text: plate.replace(' ', ''), format: 'generic', corrections: 0 });
  });

  it("honours a port's own formats, exactly and with look-alikes corrected where it says the format is certain", () => {
    const macau = { name: 'macau', pattern: 'M[A-Z][0-9]{4}', correctAnywhere: true };
    // The port's own formats come first: MA1234 is also a Hong Kong layout.
    const formats = [macau, ...BUILTIN_PLATE_FORMATS];
    expect(parsePlate('MA-12-34', formats)).toMatchObject({ text: 'MA1234', format: 'macau', corrections: 0 });
    expect(parsePlate('MA-I2-34', formats)).toMatchObject({ text: 'MA1234', format: 'macau', corrections: 1 });
    // Without it, the same read is a generic plate, read as seen.
    expect(parsePlate('MA-I2-34')).toMatchObject({ text: 'MAI234', format: 'generic' });
    const strict = { name: 'neighbour', pattern: '[A-Z]{3}[0-9]{3}[A-Z]', correctAnywhere: false };
    expect(parsePlate('ABC123D', [strict, ...BUILTIN_PLATE_FORMATS])).toMatchObject({ text: 'ABC123D', format: 'neighbour' });
  });

  it('corrects look-alike characters only where the layout demands it, and counts the corrections', () => {
    // O in a mainland plate is a 0 (mainland plates have no O); 8 where a letter must be is a B.
    expect(parsePlate('粤8·1O345')).toMatchObject({ text: '粤B10345', corrections: 2 });
    expect(parsePlate('奥Z·A123港')).toMatchObject({ text: '粤ZA123港', corrections: 1 });
    expect(parsePlate('Z·A123澳')).toMatchObject({ text: '粤ZA123澳', corrections: 1 });
    expect(parsePlate('AB 12O4')).toMatchObject({ text: 'AB1204', format: 'hong_kong', corrections: 1 });
    expect(parsePlate('粤B·D12O45')).toMatchObject({ text: '粤BD12045', format: 'mainland_new_energy', corrections: 1 });
  });

  it('refuses what is not a plate', () => {
    for (const text of ['粤港物流', 'KEEP DISTANCE', 'HKLOGISTICS', '12345', '粤B·123', 'ABCDEF12345', '']) expect(parsePlate(text), text).toBeNull();
  });
});

describe('seal numbers', () => {
  it('normalises to uppercase without spaces and fixes digit/letter look-alikes by position', () => {
    expect(parseSeal('SL 8472913')).toMatchObject({ text: 'SL8472913', corrections: 0 });
    expect(parseSeal('cn1234567')).toMatchObject({ text: 'CN1234567', corrections: 0 });
    expect(parseSeal('CN12345O7')).toMatchObject({ text: 'CN1234507', corrections: 1 });
    // A lone character at either end stays as read: Z32106930 and 232106930 are both serials (the declared seal decides).
    expect(parseSeal('5L 8472913')).toMatchObject({ text: '5L8472913', corrections: 0 });
    expect(parseSeal('Z32106930')).toMatchObject({ text: 'Z32106930', corrections: 0 });
  });

  it('returns serials of every common layout: digits only, letters then digits, letters-digits-letters, spaced or dashed', () => {
    expect(parseSeal('82045218')).toMatchObject({ text: '82045218', corrections: 0 });
    expect(parseSeal('8204 5218')).toMatchObject({ text: '82045218' });
    expect(parseSeal('00-731-552')).toMatchObject({ text: '00731552' });
    expect(parseSeal('AB 123456 CD')).toMatchObject({ text: 'AB123456CD' });
    expect(parseSeal('HK-2024-0091-X')).toMatchObject({ text: 'HK20240091X' });
    expect(parseSeal('12345')).toMatchObject({ text: '12345' });
    expect(parseSeal('123456789012345')).toMatchObject({ text: '123456789012345' });
    expect(parseSeal('1234567890123456')).toBeNull();
  });

  it('refuses text that is not a seal number, including ISO 6346 container numbers', () => {
    expect(isContainerNumber('CSQU3054383')).toBe(true);
    expect(isContainerNumber('CSQU3054384')).toBe(false);
    expect(parseSeal('CSQU3054383')).toBeNull();
    expect(parseSeal('CSQU3054384')).toMatchObject({ text: 'CSQU3054384' });
    // Stencils, words, too short, Chinese labels, a camera's clock and date.
    for (const text of [
      'MAX GROSS 30480 KG',
      'TARE',
      'AB12',
      '1234',
      '封条1234567',
      'DISTANCE',
      'ABCDEFG12345',
      '2026-12-02',
      '12:04:55',
      '2026/12/02 12:04',
      'TARE3750KG',
      'MAXGROSS30480KG',
      '30480 KG',
    ])
      expect(parseSeal(text), text).toBeNull();
  });
});
