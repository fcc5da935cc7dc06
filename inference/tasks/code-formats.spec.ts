import { describe, expect, it } from 'vitest';
import { isContainerNumber, parsePlate, parseSeal } from './code-formats.ts';

describe('plate formats', () => {
  it('reads each supported layout, without separators', () => {
    expect(parsePlate('粤B·12345')).toMatchObject({ text: '粤B12345', format: 'mainland', corrections: 0 });
    expect(parsePlate('粤B·D12345')).toMatchObject({ text: '粤BD12345', format: 'mainland_new_energy' });
    expect(parsePlate('粤B·12345F')).toMatchObject({ text: '粤B12345F', format: 'mainland_new_energy' });
    expect(parsePlate('粤Z·A123港')).toMatchObject({ text: '粤ZA123港', format: 'cross_border' });
    expect(parsePlate('粤Z·HK12澳')).toMatchObject({ text: '粤ZHK12澳', format: 'cross_border' });
    expect(parsePlate('AB 1234')).toMatchObject({ text: 'AB1234', format: 'hong_kong' });
    expect(parsePlate('K 88')).toMatchObject({ text: 'K88', format: 'hong_kong' });
    expect(parsePlate('ABC 1234')).toMatchObject({ text: 'ABC1234', format: 'latin' });
  });

  it('corrects look-alike characters only where the layout demands it, and counts the corrections', () => {
    // O in a mainland plate is a 0 (mainland plates have no O); 8 where a letter must be is a B.
    expect(parsePlate('粤8·1O345')).toMatchObject({ text: '粤B10345', corrections: 2 });
    expect(parsePlate('奥Z·A123港')).toMatchObject({ text: '粤ZA123港', corrections: 1 });
    expect(parsePlate('Z·A123澳')).toMatchObject({ text: '粤ZA123澳', corrections: 1 });
    expect(parsePlate('AB 12O4')).toMatchObject({ text: 'AB1204', format: 'hong_kong', corrections: 1 });
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
    expect(parseSeal('5L 8472913')).toMatchObject({ text: 'SL8472913', corrections: 1 });
  });

  it('refuses text that is not a seal number, including ISO 6346 container numbers', () => {
    expect(isContainerNumber('CSQU3054383')).toBe(true);
    expect(isContainerNumber('CSQU3054384')).toBe(false);
    expect(parseSeal('CSQU3054383')).toBeNull();
    expect(parseSeal('CSQU3054384')).toMatchObject({ text: 'CSQU3054384' });
    for (const text of ['MAX GROSS 30480 KG', 'TARE', '1234567', 'AB12', '封条1234567']) expect(parseSeal(text), text).toBeNull();
  });
});
