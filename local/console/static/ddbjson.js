// DynamoDB JSON ({"S": "x"}, {"N": "1"}, ...) to plain JavaScript values, for display.
export function plain(av) {
  if (av === null || typeof av !== 'object') return av;
  const [[type, v]] = Object.entries(av);
  switch (type) {
    case 'S': case 'B': return v;
    case 'N': return Number(v);
    case 'BOOL': return v;
    case 'NULL': return null;
    case 'L': return v.map(plain);
    case 'M': return plainItem(v);
    case 'SS': case 'BS': return v;
    case 'NS': return v.map(Number);
    default: return av;
  }
}

// plainItem converts a whole item (attribute name → DynamoDB JSON).
export function plainItem(item) {
  if (!item) return item;
  return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v)]));
}
