// Runs in <head> before first paint (inlined by Base.astro, allowed by the CSP's hash of it):
// the remembered theme and projector mode are on <html> before anything is drawn, so no flash.
// ?projector=1 (or ?projector) turns projector mode on and remembers it; ?projector=0 turns it off.
(function () {
  var root = document.documentElement;
  try {
    var theme = localStorage.getItem('theme');
    if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
    var asked = new URLSearchParams(location.search).get('projector');
    if (asked === '0') localStorage.removeItem('projector');
    else if (asked !== null) localStorage.setItem('projector', '1');
    if (localStorage.getItem('projector') === '1') root.dataset.projector = '';
  } catch (error) {
    // Storage blocked (private mode, settings): the system theme, no projector; nothing to do.
  }
})();
