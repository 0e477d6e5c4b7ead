// Sign-up and sign-in with the Amazon Cognito user pool's JSON API, called from the browser
// (USER_PASSWORD_AUTH). Tokens live in sessionStorage: they last for the tab, are never in a
// cookie, and are sent only as the API's Authorization header.

import * as config from './config.js';

const storeKey = 'microshop.session';
const listeners = new Set();
let session = read();

function read() {
  try {
    const s = JSON.parse(sessionStorage.getItem(storeKey) || 'null');
    return s && s.accessToken ? s : null;
  } catch {
    return null;
  }
}

function save(s) {
  session = s;
  if (s) sessionStorage.setItem(storeKey, JSON.stringify(s));
  else sessionStorage.removeItem(storeKey);
  listeners.forEach((fn) => fn(user()));
}

// onChange calls fn with the user (or null) after every sign-in and sign-out.
export function onChange(fn) {
  listeners.add(fn);
}

function claims(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
  } catch {
    return {};
  }
}

// user is the signed-in user ({sub, email, groups, admin}) or null.
export function user() {
  if (!session) return null;
  const a = claims(session.accessToken);
  const id = claims(session.idToken || '');
  const groups = a['cognito:groups'] || [];
  return { sub: a.sub, email: id.email || session.email || '', groups, admin: groups.includes('admin') };
}

// accessToken is the bearer token for the API, or '' when signed out.
export function accessToken() {
  return session ? session.accessToken : '';
}

// CognitoError is an error answered by Cognito: name is its exception (NotAuthorizedException).
export class CognitoError extends Error {
  constructor(name, message) {
    super(message || name);
    this.name = name;
  }
}

async function call(op, body) {
  const c = config.get();
  let resp;
  try {
    resp = await fetch(c.cognitoEndpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${op}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new CognitoError('NetworkError', 'We could not reach the sign-in service. Check your connection and try again.');
  }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const type = String(data.__type || resp.headers.get('x-amzn-ErrorType') || 'UnknownError').split('#').pop().split(':')[0];
    throw new CognitoError(type, data.message || data.Message);
  }
  return data;
}

// signUp registers email with password; it resolves to true when the user still needs to
// confirm the code sent to them.
export async function signUp(email, password) {
  const c = config.get();
  const out = await call('SignUp', {
    ClientId: c.userPoolClientId, Username: email, Password: password,
    UserAttributes: [{ Name: 'email', Value: email }],
  });
  return !out.UserConfirmed;
}

// confirm confirms a sign-up with the code the user received.
export async function confirm(email, code) {
  await call('ConfirmSignUp', { ClientId: config.get().userPoolClientId, Username: email, ConfirmationCode: code });
}

// signIn signs in with email and password.
export async function signIn(email, password) {
  const out = await call('InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH', ClientId: config.get().userPoolClientId,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  const r = out.AuthenticationResult;
  if (!r || !r.AccessToken) {
    throw new CognitoError(out.ChallengeName || 'ChallengeRequired',
      'This account must finish setting up (a new password is required) before it can shop here.');
  }
  save({ accessToken: r.AccessToken, idToken: r.IdToken, refreshToken: r.RefreshToken, email });
}

// refresh gets new tokens with the refresh token; false when the session cannot be renewed.
export async function refresh() {
  if (!session || !session.refreshToken) return false;
  try {
    const out = await call('InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: config.get().userPoolClientId,
      AuthParameters: { REFRESH_TOKEN: session.refreshToken },
    });
    const r = out.AuthenticationResult;
    save({ ...session, accessToken: r.AccessToken, idToken: r.IdToken || session.idToken });
    return true;
  } catch {
    return false;
  }
}

// signOut ends the session everywhere (GlobalSignOut revokes the refresh token) and forgets it
// here even when Cognito cannot be reached.
export async function signOut() {
  const token = accessToken();
  save(null);
  if (token) {
    try {
      await call('GlobalSignOut', { AccessToken: token });
    } catch {
      // Signed out locally; the tokens expire on their own.
    }
  }
}

// forget drops the session without calling Cognito (it was refused by the API).
export function forget() {
  save(null);
}

// describe says a Cognito error in words.
export function describe(err) {
  const m = err && err.message ? err.message : '';
  switch (err && err.name) {
    case 'NotAuthorizedException':
      return 'The email or password is not right. Check them and try again.';
    case 'UserNotFoundException':
      return 'The email or password is not right. Check them and try again.';
    case 'UsernameExistsException':
      return 'An account with this email already exists. Sign in instead, or use another email.';
    case 'InvalidPasswordException':
      return `That password is not strong enough: ${m.replace(/^Password did not conform with policy:\s*/i, '')}`;
    case 'CodeMismatchException':
      return 'That confirmation code is not right. Check the code and try again.';
    case 'ExpiredCodeException':
      return 'That confirmation code has expired. Sign up again to get a new one.';
    case 'UserNotConfirmedException':
      return 'This account is not confirmed yet. Enter the confirmation code we sent you.';
    case 'InvalidParameterException':
      return `Please check what you entered: ${m}`;
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return 'Too many attempts. Wait a minute and try again.';
    case 'NetworkError':
      return m;
    default:
      return `Signing in failed (${err && err.name}): ${m || 'please try again.'}`;
  }
}
