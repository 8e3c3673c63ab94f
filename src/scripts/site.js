// The page frame's one script (inlined at the end of <body> by Base.astro): the theme select
// and projector button, copy buttons on code blocks, and the scroll hint of wide tables.
// Strings come from the script element's data attributes, in the page's language.
(function () {
  var strings = document.currentScript.dataset;
  var root = document.documentElement;
  function remember(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch (error) {
      // Storage blocked: the choice holds for this page only.
    }
  }

  var theme = document.getElementById('theme-select');
  if (theme) {
    theme.value = root.dataset.theme || 'system';
    theme.addEventListener('change', function () {
      if (theme.value === 'system') delete root.dataset.theme;
      else root.dataset.theme = theme.value;
      remember('theme', theme.value === 'system' ? null : theme.value);
    });
  }

  var projector = document.getElementById('projector-toggle');
  if (projector) {
    projector.setAttribute('aria-pressed', String(root.hasAttribute('data-projector')));
    projector.addEventListener('click', function () {
      var on = !root.hasAttribute('data-projector');
      if (on) root.dataset.projector = '';
      else delete root.dataset.projector;
      projector.setAttribute('aria-pressed', String(on));
      remember('projector', on ? '1' : null);
    });
  }

  // Copy buttons: the code's text as written (textContent keeps every space and newline).
  document.querySelectorAll('pre.astro-code').forEach(function (pre) {
    var wrapper = document.createElement('div');
    wrapper.className = 'code-block';
    pre.replaceWith(wrapper);
    wrapper.append(pre);
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy-code';
    button.textContent = strings.copy;
    button.setAttribute('aria-label', strings.copyLabel);
    wrapper.append(button);
    button.addEventListener('click', function () {
      var text = pre.textContent;
      var done = function () {
        button.textContent = strings.copied;
        setTimeout(function () { button.textContent = strings.copy; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
      // Plain http on another host has no Clipboard API: copy from a selected textarea.
      function fallback() {
        var area = document.createElement('textarea');
        area.value = text;
        area.setAttribute('readonly', '');
        area.style.position = 'fixed';
        area.style.opacity = '0';
        document.body.append(area);
        area.select();
        if (document.execCommand('copy')) done();
        area.remove();
        button.focus();
      }
    });
  });

  // A table wider than its region shows the "scroll sideways" hint under it.
  var regions = document.querySelectorAll('.table-scroll');
  if (regions.length && 'ResizeObserver' in window) {
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        var region = entry.target;
        region.toggleAttribute('data-overflowing', region.scrollWidth > region.clientWidth + 1);
      });
    });
    regions.forEach(function (region) { observer.observe(region); });
  }
})();
