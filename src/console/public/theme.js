/* global document, localStorage */
// A classic (blocking) script in <head>: applies a saved theme before the first paint, so a
// dark-mode user never sees a light flash. Without a saved choice the CSS follows
// prefers-color-scheme. The toggle itself lives in app.js.
(() => {
  try {
    const saved = localStorage.getItem('bastion.theme');
    if (saved === 'dark' || saved === 'light') document.documentElement.dataset.theme = saved;
  } catch {
    // storage disabled: the system preference applies
  }
})();
