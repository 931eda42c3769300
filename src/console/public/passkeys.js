/* global HTMLButtonElement, HTMLElement, HTMLFormElement, HTMLInputElement, HTMLUListElement */
/**
 * The account page's passkeys card: the user's passkeys (name, when added and last used,
 * whether synced), adding one (the browser makes it for the server's options), renaming and
 * removing one. Adding and removing are sensitive actions: an old sign-in gets the step-up
 * prompt first (`step-up.js`, through `api.js`).
 */
import * as api from './api.js';
import { byId, el, focus, show, time } from './dom.js';
import { announce, busy, counted, explain, onSubmit, rowButton, setError } from './ui.js';
import * as webauthn from './webauthn.js';

/** @typedef {import('./api.js').Passkey} Passkey */

const $ = {
  title: byId('passkeys-title', HTMLElement),
  unsupported: byId('passkeys-unsupported', HTMLElement),
  error: byId('passkeys-error', HTMLElement),
  list: byId('passkeys-list', HTMLUListElement),
  count: byId('passkeys-count', HTMLElement),
  remove: byId('passkey-remove', HTMLElement),
  removeText: byId('passkey-remove-text', HTMLElement),
  removeConfirm: byId('passkey-remove-confirm', HTMLButtonElement),
  removeCancel: byId('passkey-remove-cancel', HTMLButtonElement),
  renameForm: byId('passkey-rename-form', HTMLFormElement),
  renameTitle: byId('passkey-rename-title', HTMLElement),
  renameName: byId('passkey-rename-name', HTMLInputElement),
  renameCancel: byId('passkey-rename-cancel', HTMLButtonElement),
  addForm: byId('passkey-add-form', HTMLFormElement),
  addDone: byId('passkey-add-done', HTMLElement),
  addName: byId('passkey-add-name', HTMLInputElement),
};

/** The user's passkeys as last read; null until read (or when reading failed). */
/** @type {Passkey[] | null} */
let passkeys = null;
/** The passkey being renamed or removed, until done or cancelled. */
/** @type {Passkey | null} */
let renaming = null;
/** @type {Passkey | null} */
let removing = null;

/** How many passkeys the user has; null when not known. */
export function count() {
  return passkeys === null ? null : passkeys.length;
}

/** Reads and shows the signed-in user's passkeys. */
export async function showPasskeys() {
  const supported = webauthn.supported();
  show(!supported, $.unsupported);
  show(supported, $.addForm);
  await load();
}

/** Forgets what was shown for the last account. */
export function clearPasskeys() {
  passkeys = null;
  renaming = null;
  removing = null;
  $.list.replaceChildren();
  $.count.textContent = '';
  $.addName.value = '';
  $.renameName.value = '';
  $.addDone.textContent = '';
  setError($.error, '');
  show(false, $.remove, $.renameForm);
}

async function load() {
  let items;
  try {
    items = await api.passkeys();
  } catch (error) {
    passkeys = null;
    setError($.error, explain(error));
    return;
  }
  passkeys = items;
  $.list.replaceChildren(...items.map(passkeyItem));
  $.count.textContent = items.length === 0 ? 'You have no passkeys yet.' : `${counted(items.length, 'passkey')}.`;
}

/** @param {Passkey} passkey */
function passkeyItem(passkey) {
  const title = el('div', { className: 'session-name' }, [el('strong', { text: passkey.name })]);
  if (passkey.backed_up) title.append(el('span', { className: 'badge', text: 'Synced' }));
  const meta = el('div', { className: 'session-meta' }, [
    'Added ',
    time(passkey.created_at),
    ' · ',
    ...(passkey.last_used_at ? ['last used ', time(passkey.last_used_at)] : ['not used yet']),
  ]);
  const actions = el('div', { className: 'row-actions' }, [
    rowButton('Rename', `Rename the passkey ${passkey.name}`, () => Promise.resolve(askToRename(passkey))),
    rowButton(
      'Remove…',
      `Remove the passkey ${passkey.name}`,
      () => Promise.resolve(askToRemove(passkey)),
      'secondary danger-text',
    ),
  ]);
  return el('li', { className: 'session', attrs: { 'data-passkey-id': passkey.id } }, [
    el('div', { className: 'session-text' }, [title, meta]),
    actions,
  ]);
}

// ---------------------------------------------------------------- add

onSubmit($.addForm, async () => {
  setError($.error, '');
  $.addDone.textContent = '';
  const name = $.addName.value.trim();
  let added;
  try {
    const options = await api.passkeyRegistrationOptions();
    added = await api.registerPasskey(await webauthn.create(options), name || undefined);
  } catch (error) {
    setError($.error, explain(error));
    return;
  }
  $.addName.value = '';
  await load();
  $.addDone.textContent = `“${added.name}” is added: you can sign in with it.`;
  announce('Passkey added.');
});

// ---------------------------------------------------------------- rename

/** @param {Passkey} passkey */
function askToRename(passkey) {
  setError($.error, '');
  removing = null;
  show(false, $.remove);
  renaming = passkey;
  $.renameTitle.textContent = `Rename “${passkey.name}”`;
  $.renameName.value = passkey.name;
  show(true, $.renameForm);
  $.renameName.select();
}

$.renameCancel.addEventListener('click', () => {
  renaming = null;
  show(false, $.renameForm);
  focus($.title);
});

onSubmit($.renameForm, async () => {
  const passkey = renaming;
  if (!passkey) return;
  setError($.error, '');
  let renamed;
  try {
    renamed = await api.renamePasskey(passkey.id, $.renameName.value.trim());
  } catch (error) {
    setError($.error, explain(error));
    if (error instanceof api.ApiError && error.code === 'passkey_not_found') {
      renaming = null;
      show(false, $.renameForm);
      await load();
    }
    return;
  }
  renaming = null;
  show(false, $.renameForm);
  await load();
  announce(`The passkey is now called “${renamed.name}”.`);
  focus($.title);
});

// ---------------------------------------------------------------- remove

/** @param {Passkey} passkey */
function askToRemove(passkey) {
  setError($.error, '');
  renaming = null;
  show(false, $.renameForm);
  removing = passkey;
  $.removeText.textContent = `Remove “${passkey.name}”? You can no longer sign in with it; the device keeps it until you delete it there.`;
  show(true, $.remove);
  $.removeConfirm.focus();
}

$.removeCancel.addEventListener('click', () => {
  removing = null;
  show(false, $.remove);
  focus($.title);
});

$.removeConfirm.addEventListener('click', () => {
  void busy($.removeConfirm, async () => {
    const passkey = removing;
    if (!passkey) return;
    setError($.error, '');
    try {
      await api.removePasskey(passkey.id);
    } catch (error) {
      setError($.error, explain(error));
      if (error instanceof api.ApiError && error.code === 'passkey_not_found') {
        removing = null;
        show(false, $.remove);
        await load();
      }
      return;
    }
    removing = null;
    show(false, $.remove);
    await load();
    announce(`Removed the passkey “${passkey.name}”.`);
    focus($.title);
  });
});
