// The deployment's settings, written beside the site at deploy time (config.json): the API's
// URL and the Cognito user pool the shop signs in with.

let config;

// load fetches /config.json once.
export async function load() {
  if (config) return config;
  const resp = await fetch('/config.json', { cache: 'no-store' });
  if (!resp.ok) throw new Error(`config.json: HTTP ${resp.status}`);
  const c = await resp.json();
  for (const k of ['apiUrl', 'region', 'userPoolId', 'userPoolClientId']) {
    if (!c[k]) throw new Error(`config.json has no ${k}`);
  }
  c.apiUrl = c.apiUrl.replace(/\/+$/, '');
  c.cognitoEndpoint = (c.cognitoEndpoint || `https://cognito-idp.${c.region}.amazonaws.com`).replace(/\/+$/, '/');
  config = c;
  return config;
}

// get returns the loaded config.
export function get() {
  return config;
}
