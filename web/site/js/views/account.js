// Sign in, sign up and confirm a sign-up, against the Cognito user pool.

import { h, field, busy, formValues } from '../dom.js';
import * as auth from '../auth.js';
import * as ui from '../ui.js';
import { go } from '../router.js';

// The password typed at sign-up, kept in memory only, to sign in right after the code.
let pending = null;

function nextOf(query) {
  const n = query.get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') ? n : '/';
}

function withNext(path, query) {
  const n = query.get('next');
  return n ? `${path}${path.includes('?') ? '&' : '?'}next=${encodeURIComponent(n)}` : path;
}

export function signInView({ main, query }) {
  ui.heading(main, 'Sign in');
  const msgs = ui.messages();
  const email = h('input', { id: 'signin-email', name: 'email', type: 'email', autocomplete: 'username', required: true, value: query.get('email') || '' });
  const password = h('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'narrow', novalidate: true }, field('Email', email), field('Password', password),
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    if (!v.email || !v.password) {
      msgs.error('Enter your email and your password.');
      (v.email ? password : email).focus();
      return;
    }
    await busy(form, async () => {
      try {
        await auth.signIn(v.email, v.password);
      } catch (err) {
        if (err.name === 'UserNotConfirmedException') {
          pending = { email: v.email, password: v.password };
          go(withNext(`/confirm?email=${encodeURIComponent(v.email)}`, query));
          return;
        }
        msgs.error(auth.describe(err));
        return;
      }
      ui.loadCart().catch(() => {});
      go(nextOf(query), { replace: true });
    });
  });
  main.append(msgs, form, h('p', {}, 'New here? ', h('a', { href: withNext('/signup', query) }, 'Create an account')));
}

export function signUpView({ main, query }) {
  ui.heading(main, 'Create an account');
  const msgs = ui.messages();
  const email = h('input', { id: 'signup-email', name: 'email', type: 'email', autocomplete: 'email', required: true });
  const password = h('input', { id: 'signup-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: '12' });
  const form = h('form', { class: 'narrow', novalidate: true }, field('Email', email),
    field('Password', password, 'At least 12 characters, with upper- and lower-case letters, a number and a symbol.'),
    h('button', { type: 'submit' }, 'Create account'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    if (!v.email || !v.password) {
      msgs.error('Enter an email and a password.');
      (v.email ? password : email).focus();
      return;
    }
    await busy(form, async () => {
      let mustConfirm;
      try {
        mustConfirm = await auth.signUp(v.email, v.password);
      } catch (err) {
        msgs.error(auth.describe(err));
        return;
      }
      pending = { email: v.email, password: v.password };
      if (mustConfirm) {
        go(withNext(`/confirm?email=${encodeURIComponent(v.email)}`, query));
        return;
      }
      await signInAfter(msgs, query);
    });
  });
  main.append(msgs, form, h('p', {}, 'Have an account? ', h('a', { href: withNext('/signin', query) }, 'Sign in')));
}

async function signInAfter(msgs, query) {
  const p = pending;
  pending = null;
  try {
    await auth.signIn(p.email, p.password);
  } catch (err) {
    msgs.error(auth.describe(err));
    return;
  }
  go(nextOf(query), { replace: true });
}

export function confirmView({ main, query }) {
  ui.heading(main, 'Confirm your email');
  const msgs = ui.messages();
  const email = h('input', { id: 'confirm-email', name: 'email', type: 'email', autocomplete: 'username', required: true, value: query.get('email') || '' });
  const code = h('input', { id: 'confirm-code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, pattern: '[0-9]*' });
  const form = h('form', { class: 'narrow', novalidate: true }, field('Email', email),
    field('Confirmation code', code, 'We sent a code to your email. (Locally, devcloud prints it in its log.)'),
    h('button', { type: 'submit' }, 'Confirm'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    if (!v.email || !v.code) {
      msgs.error('Enter your email and the code we sent you.');
      (v.email ? code : email).focus();
      return;
    }
    await busy(form, async () => {
      try {
        await auth.confirm(v.email, v.code);
      } catch (err) {
        msgs.error(auth.describe(err));
        return;
      }
      if (pending && pending.email === v.email) {
        await signInAfter(msgs, query);
        return;
      }
      go(withNext(`/signin?email=${encodeURIComponent(v.email)}`, query), { replace: true });
    });
  });
  main.append(msgs, form);
}
