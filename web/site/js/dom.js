// Small DOM helpers: every element is built with h(), so text from the API always lands in
// text nodes (never parsed as HTML) and the page needs no inline script or style (CSP).

// h creates an element. attrs: "class", "for", "text", "on<event>" handlers, booleans
// (true sets the attribute empty, false/null leaves it out), anything else as an attribute.
// children: nodes, strings, numbers, arrays of them; null/false are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === 'text') {
      el.textContent = String(v);
    } else if (k === 'value' && ('value' in el)) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected') {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// replace empties el and appends children.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// field is a labelled form control: <div class="field"><label for=id>label</label>control hint</div>.
export function field(label, control, hint) {
  const hintEl = hint ? h('p', { class: 'hint', id: control.id + '-hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

let seq = 0;
// uid returns a fresh element id with the prefix.
export function uid(prefix) {
  seq += 1;
  return `${prefix}-${seq}`;
}

// formValues returns the named controls' trimmed values.
export function formValues(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) out[k] = typeof v === 'string' ? v.trim() : v;
  return out;
}

// busy disables a form's submit buttons while fn runs and marks the form aria-busy.
export async function busy(form, fn) {
  const buttons = [...form.querySelectorAll('button')];
  form.setAttribute('aria-busy', 'true');
  buttons.forEach((b) => { b.disabled = true; });
  try {
    return await fn();
  } finally {
    form.removeAttribute('aria-busy');
    buttons.forEach((b) => { b.disabled = false; });
  }
}
