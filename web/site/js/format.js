// Formatting of money and dates for people, with the Intl API.

const locale = document.documentElement.lang || 'en';
const formats = new Map();

function currencyFormat(currency) {
  let f = formats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formats.set(currency, f);
  }
  return f;
}

// fractionDigits is how many minor-unit digits the currency has (USD 2, JPY 0).
export function fractionDigits(currency) {
  return currencyFormat(currency).resolvedOptions().maximumFractionDigits;
}

// money formats an API amount ({amount: minor units, currency}).
export function money(m) {
  if (!m || typeof m.amount !== 'number') return '';
  return currencyFormat(m.currency).format(m.amount / 10 ** fractionDigits(m.currency));
}

// toMinor turns a decimal string typed by a person ("12.5") into minor units, or NaN.
export function toMinor(text, currency) {
  const digits = fractionDigits(currency);
  const t = String(text).trim();
  if (!/^\d+([.,]\d+)?$/.test(t)) return NaN;
  const [whole, frac = ''] = t.replace(',', '.').split('.');
  if (frac.length > digits) return NaN;
  return Number(whole) * 10 ** digits + Number(frac.padEnd(digits, '0') || 0);
}

// fromMinor is toMinor's inverse, for a form's initial value.
export function fromMinor(amount, currency) {
  const digits = fractionDigits(currency);
  return (amount / 10 ** digits).toFixed(digits);
}

const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });

// date formats an RFC 3339 time.
export function date(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? '' : dateFormat.format(d);
}

const regions = new Intl.DisplayNames([locale], { type: 'region' });

// country names an ISO 3166-1 alpha-2 code.
export function country(code) {
  try {
    return regions.of(code) || code;
  } catch {
    return code;
  }
}

// shortID is the part of an order id a person can read out.
export function shortID(id) {
  return String(id).slice(-8).toUpperCase();
}

// statusText says an order status in words.
export function statusText(s) {
  return {
    PENDING: 'Pending',
    CONFIRMED: 'Confirmed',
    DELIVERED: 'Delivered',
    FAILED: 'Failed',
    CANCELLED: 'Cancelled',
  }[s] || s;
}

// reasonText says a failed order's or a declined payment's reason code in words.
export function reasonText(code) {
  return {
    out_of_stock: 'part of the order is out of stock',
    unknown_product: 'a product in the order is no longer sold',
    card_declined: 'the card was declined',
    insufficient_funds: 'the card has insufficient funds',
    invalid_payment_token: 'the payment details were not valid',
  }[code] || String(code || 'no reason was given').replace(/_/g, ' ');
}
