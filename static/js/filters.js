// Progressive enhancement of the article lists: a changed filter, a facet, a
// chip, a chart bar or a page link updates the results in place, and the
// address bar keeps the same shareable URL the plain links would have led to.
// Without this script every one of those is an ordinary link or form.
(function () {
  "use strict";
  var area = document.getElementById("results-area");
  if (!area || !window.fetch || !window.AbortController || !window.history.pushState) return;

  // The update under way. A newer one cancels it: an older answer arriving
  // late must never replace the newer results, nor the address.
  var current = null;

  function queryOf(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "") params.append(key, value);
    });
    return params.toString();
  }

  function load(url, push) {
    if (current) current.abort();
    var update = new AbortController();
    current = update;
    area.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { "X-Newsroom-Partial": "results" }, signal: update.signal })
      .then(function (response) {
        // A 400 still carries the page part that explains the error.
        return response.text();
      })
      .then(function (html) {
        // Cancelled after its answer came, before this ran.
        if (update !== current) return;
        var focused = document.activeElement && document.activeElement.id;
        area.innerHTML = html;
        if (push) window.history.pushState({ newsroom: true }, "", url);
        var again = focused && document.getElementById(focused);
        if (again && area.contains(again)) {
          again.focus();
        } else {
          var heading = document.getElementById("results-heading");
          if (heading) heading.focus();
        }
      })
      .catch(function (error) {
        // Cancelled by a newer update, which shows its own results.
        if (error.name === "AbortError" || update !== current) return;
        window.location.href = url;
      })
      .finally(function () {
        if (update !== current) return;
        current = null;
        area.removeAttribute("aria-busy");
      });
  }

  area.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form.filters")) return;
    event.preventDefault();
    var query = queryOf(form);
    load(window.location.pathname + (query ? "?" + query : ""), true);
  });

  area.addEventListener("change", function (event) {
    var form = event.target.form;
    // Typing in the search box waits for Enter or the button.
    if (!form || !form.matches("form.filters") || event.target.type === "search") return;
    if (event.target.name === "q") return;
    form.requestSubmit();
  });

  area.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!link || !area.contains(link) || event.defaultPrevented) return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var url = new URL(link.href, window.location.href);
    // Only links to this same list with other filters; anything else navigates.
    if (url.origin !== window.location.origin || url.pathname !== window.location.pathname) return;
    event.preventDefault();
    load(url.pathname + url.search, true);
  });

  window.addEventListener("popstate", function () {
    load(window.location.pathname + window.location.search, false);
  });
})();
