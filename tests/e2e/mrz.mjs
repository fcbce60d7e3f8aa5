// SPDX-License-Identifier: Apache-2.0
//
// ICAO 9303 TD3 (passport) MRZ lines for the browser tests, with correct
// check digits (weights 7-3-1), so the tests need no fixture files.

const VALUES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function checkDigit(s) {
  const w = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const v = c === '<' ? 0 : VALUES.indexOf(c);
    sum += v * w[i % 3];
  }
  return String(sum % 10);
}

const pad = (s, n) => (s + '<'.repeat(n)).slice(0, n);
const yymmdd = (iso) => iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);

// td3({state, surname, given, number, nationality, birth, sex, expiry}) -> [line1, line2]
export function td3(p) {
  const name = pad(`${p.surname.replace(/ /g, '<')}<<${p.given.replace(/ /g, '<')}`, 39);
  const l1 = `P<${p.state}${name}`;
  const num = pad(p.number, 9);
  const birth = yymmdd(p.birth);
  const exp = yymmdd(p.expiry);
  const personal = pad(p.personal || '', 14);
  const part = num + checkDigit(num) + p.nationality + birth + checkDigit(birth) + p.sex + exp + checkDigit(exp)
    + personal + checkDigit(personal);
  const composite = checkDigit(num + checkDigit(num) + birth + checkDigit(birth) + exp + checkDigit(exp) + personal + checkDigit(personal));
  return [l1, part + composite];
}

// A date n days from today, ISO.
export function daysFromNow(n) {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}
