/**
 * The report's only script: pages through the gallery data embedded in the page. Builds every
 * element with createElement/textContent (never innerHTML), so a caption cannot become markup.
 * The page number lives in the URL hash, so reloads and file:// links keep it.
 */
export const PAGE_SIZE = 24;

export const GALLERY_SCRIPT = `
(function () {
  "use strict";
  var PAGE = ${PAGE_SIZE};
  var items = JSON.parse(document.getElementById("gallery-data").textContent || "[]");
  var grid = document.getElementById("gallery");
  var pagers = document.querySelectorAll(".pager");
  var pages = Math.max(1, Math.ceil(items.length / PAGE));
  var current = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function card(item) {
    var fig = el("figure", "item");
    fig.setAttribute("data-id", item.id);
    if (item.image) {
      var img = el("img");
      img.loading = "lazy";
      img.decoding = "async";
      img.alt = "image pair " + item.id;
      img.src = item.image;
      fig.appendChild(img);
    } else {
      fig.appendChild(el("div", "noimg", "image missing"));
    }
    var cap = el("figcaption");
    var head = el("div", "head");
    head.appendChild(el("span", "id", item.id));
    head.appendChild(el("span", item.kind === "remove" ? "badge remove" : "badge replace", item.kind));
    if (item.category) head.appendChild(el("span", "cat", item.category));
    cap.appendChild(head);
    cap.appendChild(el("div", "edit", item.target ? item.source + " \\u2192 " + item.target : item.source + " removed"));
    var dl = el("dl");
    [["left", item.caption1], ["right", item.caption2], ["answer", item.answer]].forEach(function (row) {
      if (!row[1]) return;
      dl.appendChild(el("dt", null, row[0]));
      dl.appendChild(el("dd", null, row[1]));
    });
    cap.appendChild(dl);
    if (item.question) {
      var q = el("details", "question");
      q.appendChild(el("summary", null, "question"));
      q.appendChild(el("p", null, item.question));
      cap.appendChild(q);
    }
    var names = Object.keys(item.scores || {});
    if (names.length) {
      var scores = el("div", "scores");
      names.forEach(function (name) {
        var chip = el("span", "score");
        chip.appendChild(el("b", null, name.replace(/_/g, " ")));
        chip.appendChild(document.createTextNode(" " + item.scores[name]));
        scores.appendChild(chip);
      });
      cap.appendChild(scores);
    }
    fig.appendChild(cap);
    return fig;
  }

  function button(label, page, cls, disabled) {
    var b = el("button", cls, label);
    b.type = "button";
    b.disabled = !!disabled;
    b.addEventListener("click", function () { go(page, true); });
    return b;
  }

  function pageNumbers() {
    var shown = [];
    for (var p = 1; p <= pages; p++) {
      if (p === 1 || p === pages || Math.abs(p - current) <= 2) shown.push(p);
      else if (shown[shown.length - 1] !== 0) shown.push(0);
    }
    return shown;
  }

  function renderPager(nav) {
    nav.replaceChildren();
    nav.appendChild(button("\\u2039 prev", current - 1, "prev", current <= 1));
    pageNumbers().forEach(function (p) {
      if (p === 0) { nav.appendChild(el("span", "gap", "\\u2026")); return; }
      var b = button(String(p), p, p === current ? "page current" : "page", false);
      if (p === current) b.setAttribute("aria-current", "page");
      nav.appendChild(b);
    });
    nav.appendChild(button("next \\u203a", current + 1, "next", current >= pages));
    var first = items.length ? (current - 1) * PAGE + 1 : 0;
    var last = Math.min(items.length, current * PAGE);
    nav.appendChild(el("span", "range", first + "\\u2013" + last + " of " + items.length));
  }

  function go(page, scroll) {
    page = Math.min(pages, Math.max(1, page | 0));
    if (page === current) return;
    current = page;
    var start = (page - 1) * PAGE;
    grid.replaceChildren.apply(grid, items.slice(start, start + PAGE).map(card));
    pagers.forEach(renderPager);
    if (location.hash !== "#page=" + page) history.replaceState(null, "", "#page=" + page);
    if (scroll) document.getElementById("samples").scrollIntoView();
  }

  function fromHash() {
    var m = /^#page=(\\d+)$/.exec(location.hash);
    return m ? Number(m[1]) : 1;
  }

  window.addEventListener("hashchange", function () { go(fromHash(), false); });
  if (items.length === 0) grid.appendChild(el("p", "none", "No accepted samples yet."));
  go(fromHash(), false);
})();
`;
