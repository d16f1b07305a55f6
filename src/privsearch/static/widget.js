/* <privsearch-search>: the privsearch search widget.
 *
 * One custom element with its own shadow DOM, in plain JavaScript: no build step, no framework,
 * no requests to anyone but the privsearch API. It knows only the API's JSON contract.
 *
 *   <script src="https://search.example.gov/widget.js" defer></script>
 *   <privsearch-search component="CBP" per-page="10"></privsearch-search>
 *
 * Text from the API is always put in the page as text (textContent, text nodes). Snippets and
 * page texts carry <mark> tags and are otherwise HTML-escaped: they are split on the tags and the
 * pieces decoded to text, so nothing a document or a query contains can become markup.
 */
(() => {
  "use strict";

  const TAG = "privsearch-search";
  if (!window.customElements || customElements.get(TAG)) return;

  // The API lives where this script came from, unless the element's `api` attribute says
  // otherwise. document.currentScript is only set while the script first runs.
  const SCRIPT_BASE = (() => {
    const script = document.currentScript;
    try {
      if (script && script.src) return new URL(".", script.src).href;
    } catch (_) {
      /* fall through */
    }
    return new URL("/", location.href).href;
  })();

  const PARAM = "ps-";
  const SEARCH_DELAY_MS = 250;
  const SUGGEST_DELAY_MS = 100;
  const SUGGEST_CACHE_SIZE = 50;
  const MAX_PAGE = 1000;
  // A privacy facet's group shows its first values and hides the rest behind "Show N more".
  const COLLAPSE_AFTER = 5;
  // the kinds of links between documents (`/api/documents/{id}/related`), as the panel names them
  const RELATED_KINDS = {
    covered_by_sorn: "Covered by SORN",
    covers: "Covers",
    version_of: "Version of",
    has_version: "Has version",
    supersedes: "Supersedes",
    superseded_by: "Superseded by",
    exemption_rule_for: "Exemption rule for",
    exempted_by: "Exempted by",
    cites: "Cites",
    cited_by: "Cited by",
  };
  const PRIVACY_FACETS = [
    { key: "pii", label: "Personal information" },
    { key: "technology", label: "Technology" },
    { key: "retention", label: "Retention" },
    { key: "authority", label: "Legal authority" },
    { key: "exemption", label: "Privacy Act exemption" },
  ].map((facet) => ({ ...facet, collapseAfter: COLLAPSE_AFTER }));
  // `key` is the API's (and the URL's) parameter; `field` the facet's name in its answers.
  const FACETS = [
    { key: "component", label: "Component" },
    { key: "type", label: "Type", field: "doc_type" },
    // years newest first, undated documents (the API's "unknown") last
    { key: "year", label: "Year", newestFirst: true, names: { unknown: "Undated" } },
    ...PRIVACY_FACETS,
  ];
  const DATE_BOUNDS = [
    { key: "since", label: "From" },
    { key: "until", label: "To" },
  ];
  const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

  // ---------------------------------------------------------------- text helpers

  const NAMED_ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

  function decodeEntities(text) {
    return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (whole, name) => {
      if (name[0] === "#") {
        const hex = name[1] === "x" || name[1] === "X";
        const code = parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10);
        const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
        return valid ? String.fromCodePoint(code) : "\ufffd";
      }
      const value = NAMED_ENTITIES[name.toLowerCase()];
      return value === undefined ? whole : value;
    });
  }

  /** Escaped text with <mark> tags -> a fragment of text nodes and <mark> elements. */
  function markedFragment(escaped) {
    const fragment = document.createDocumentFragment();
    let inMark = false;
    for (const piece of String(escaped || "").split(/(<\/?mark>)/i)) {
      const tag = piece.toLowerCase();
      if (tag === "<mark>") inMark = true;
      else if (tag === "</mark>") inMark = false;
      else if (piece) {
        const text = decodeEntities(piece);
        fragment.append(inMark ? el("mark", { part: "mark" }, text) : text);
      }
    }
    return fragment;
  }

  /** document.createElement with attributes, listeners (onclick: fn) and children (strings
   * become text nodes). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  /** The arguments that are nodes or strings: replaceChildren() would turn null into "null". */
  function present(...items) {
    return items.filter((item) => item !== null && item !== undefined && item !== false);
  }

  const DATE_FORMAT = new Intl.DateTimeFormat("en-US", {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });

  function formatDate(iso) {
    if (!iso) return "undated";
    const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(iso);
    if (!match) return iso;
    if (!match[3]) return iso; // a year or a month: show it as given
    return DATE_FORMAT.format(new Date(Date.UTC(+match[1], +match[2] - 1, +match[3])));
  }

  function plural(n, one, many) {
    return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
  }

  function safeLink(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  function splitList(value) {
    return (value || "")
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
  }

  const SMALL_WORDS = new Set(["a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"]);

  /** A heading printed in capitals ("SECTION 5.0 DATA RETENTION") in title case, others as
   * printed; without a trailing colon ("AGENCY:"). */
  function readableHeading(title) {
    const text = String(title || "").trim().replace(/\s*:$/, "");
    if (/[a-z]/.test(text) || !/[A-Z]/.test(text)) return text;
    return text
      .toLowerCase()
      .split(/(\s+)/)
      .map((word, i) => (i > 0 && SMALL_WORDS.has(word) ? word : word.charAt(0).toUpperCase() + word.slice(1)))
      .join("");
  }

  /** "Routine Uses, page 4": where a snippet or a risk is in its document. */
  function sectionAndPage(section, page) {
    return page ? `${section}, page ${page}` : section;
  }

  // Every widget on a page asks the API once for the kinds of sections its index holds.
  const sectionLists = new Map(); // API base -> Promise of the section titles

  // ---------------------------------------------------------------- styles

  const CSS = `
:host {
  --_primary: var(--privsearch-primary, #1a4480);
  --_primary-text: var(--privsearch-primary-text, #ffffff);
  --_text: var(--privsearch-text, #1b1b1b);
  --_muted: var(--privsearch-muted, #5c5c5c);
  --_background: var(--privsearch-background, #ffffff);
  --_surface: var(--privsearch-surface, #f3f5f8);
  --_border: var(--privsearch-border, #c9ced6);
  --_mark: var(--privsearch-mark, #fff1a8);
  --_mark-text: var(--privsearch-mark-text, inherit);
  --_focus: var(--privsearch-focus, #2491ff);
  --_error: var(--privsearch-error, #b50909);
  --_radius: var(--privsearch-radius, 6px);
  --_font: var(--privsearch-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  --_font-size: var(--privsearch-font-size, 16px);
  display: block;
  container-type: inline-size;
  font-family: var(--_font);
  font-size: var(--_font-size);
  line-height: 1.45;
  color: var(--_text);
  background: var(--_background);
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, input, select { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}
.search { position: relative; }
.box { display: flex; flex-wrap: wrap; gap: .5em; align-items: stretch; }
.input {
  flex: 1 1 14em; min-width: 0; padding: .6em .8em; font-size: 1.1em;
  border: 2px solid var(--_border); border-radius: var(--_radius); background: var(--_background);
}
.input:focus { border-color: var(--_primary); outline: none; box-shadow: 0 0 0 3px var(--_focus); }
.sort, .section-select {
  padding: .4em .5em; border: 1px solid var(--_border); border-radius: var(--_radius);
  background: var(--_background);
}
.section-choice { display: flex; align-items: center; gap: .4em; font-size: .95em; }
.section-select { max-width: 16em; }
.suggestions {
  position: absolute; z-index: 10; left: 0; right: 0; top: calc(100% + 4px); margin: 0;
  padding: .25em 0; list-style: none; background: var(--_background);
  border: 1px solid var(--_border); border-radius: var(--_radius);
  box-shadow: 0 6px 18px rgba(0, 0, 0, .15);
}
.suggestion-group + .suggestion-group { border-top: 1px solid var(--_border); margin-top: .25em;
  padding-top: .25em; }
.group-label { padding: .2em .9em; font-size: .75em; font-weight: 700; text-transform: uppercase;
  letter-spacing: .04em; color: var(--_muted); }
.suggestion { padding: .4em .9em; cursor: pointer; }
.suggestion strong { font-weight: 600; }
.suggestion .suggestion-meta { display: block; font-size: .8em; color: var(--_muted); }
.suggestion[aria-selected="true"], .suggestion:hover {
  background: var(--_primary); color: var(--_primary-text);
}
.suggestion[aria-selected="true"] .suggestion-meta, .suggestion:hover .suggestion-meta {
  color: var(--_primary-text);
}
.progress { height: 3px; margin: .35em 0 0; border-radius: 2px; overflow: hidden; }
.progress::after {
  content: ""; display: block; height: 100%; width: 30%; background: var(--_primary);
  animation: privsearch-slide 1s ease-in-out infinite;
}
@keyframes privsearch-slide { from { margin-left: -30%; } to { margin-left: 100%; } }
@media (prefers-reduced-motion: reduce) { .progress::after { animation: none; width: 100%; } }
.status { margin: .6em 0 .2em; color: var(--_muted); font-size: .95em; min-height: 1.45em; }
.status.error { color: var(--_error); font-weight: 600; }
.feed { margin: 0 0 .2em; font-size: .9em; }
.retry { margin-left: .5em; }
.notes, .did-you-mean { margin: .2em 0; font-size: .95em; color: var(--_muted); }
.did-you-mean button, .link-button {
  padding: 0; border: 0; background: none; color: var(--_primary); font-weight: 600;
  text-decoration: underline; cursor: pointer;
}
.layout { display: grid; grid-template-columns: 1fr; gap: 1.2em; margin-top: .6em; }
@container (min-width: 640px) {
  .layout.has-filters { grid-template-columns: minmax(9em, 13em) 1fr; }
}
.filters summary { cursor: pointer; font-weight: 700; margin-bottom: .5em; }
.filter-groups { display: flex; flex-direction: column; gap: .8em; }
.facet { margin: 0; padding: 0; border: 0; min-width: 0; }
.facet legend { padding: 0; margin-bottom: .3em; font-weight: 700; font-size: .9em;
  text-transform: uppercase; letter-spacing: .04em; color: var(--_muted); }
.facet-options { max-height: 15em; overflow-y: auto; }
.facet-option { display: flex; align-items: center; gap: .45em; padding: .12em 0; cursor: pointer;
  font-size: .95em; }
.facet-option input { margin: 0; accent-color: var(--_primary); }
.facet-option .value { flex: 1; overflow-wrap: anywhere; }
.count { color: var(--_muted); font-size: .85em; font-variant-numeric: tabular-nums; }
.facet-more { margin-top: .3em; font-size: .9em; }
.date-range { margin-top: .8em; }
.date-bound { display: flex; align-items: center; justify-content: space-between; gap: .45em;
  padding: .12em 0; font-size: .95em; }
.date-bound input { min-width: 0; padding: .15em .3em; border: 1px solid var(--_border);
  border-radius: var(--_radius); background: var(--_background); }
.sort:disabled { opacity: .6; }
.results { list-style: none; margin: 0; padding: 0; }
.results[aria-busy="true"] { opacity: .55; }
.result { padding: .85em 0; border-bottom: 1px solid var(--_border); }
.result:first-child { padding-top: 0; }
.result h3 { margin: 0; font-size: 1.08em; line-height: 1.3; }
.result-title {
  display: inline; padding: 0; border: 0; background: none; text-align: left;
  color: var(--_primary); font-weight: 600; cursor: pointer; text-decoration: underline;
  text-decoration-thickness: 1px; text-underline-offset: 2px; overflow-wrap: anywhere;
}
.result-title:hover { text-decoration-thickness: 2px; }
.meta { display: flex; flex-wrap: wrap; gap: .35em .6em; align-items: center; margin: .3em 0;
  font-size: .85em; color: var(--_muted); }
.tag { padding: .05em .5em; border-radius: 999px; background: var(--_surface);
  border: 1px solid var(--_border); color: var(--_text); font-weight: 600; }
.snippet { margin: .3em 0; overflow-wrap: anywhere; }
.snippet-where { font-weight: 600; color: var(--_muted); }
mark { background: var(--_mark); color: var(--_mark-text); padding: 0 .1em; border-radius: 2px; }
.pages { display: flex; flex-wrap: wrap; align-items: center; gap: .3em; margin: .3em 0 0;
  font-size: .85em; color: var(--_muted); }
.page-link {
  min-width: 2em; padding: .05em .45em; border: 1px solid var(--_border);
  border-radius: var(--_radius); background: var(--_background); color: var(--_primary);
  cursor: pointer;
}
.page-link:hover { border-color: var(--_primary); }
.versions { margin: .2em 0 0; font-size: .85em; color: var(--_muted); }
.originals { display: flex; flex-wrap: wrap; gap: .3em 1em; margin: .3em 0 0; font-size: .85em; }
.originals a { color: var(--_primary); font-weight: 600; }
.pagination { display: flex; flex-wrap: wrap; gap: .35em; align-items: center; margin: 1em 0 .2em; }
.pagination button {
  min-width: 2.4em; padding: .35em .7em; border: 1px solid var(--_border);
  border-radius: var(--_radius); background: var(--_background); cursor: pointer;
}
.pagination button[aria-current="page"] {
  background: var(--_primary); border-color: var(--_primary); color: var(--_primary-text);
  font-weight: 700;
}
.pagination button:disabled { opacity: .45; cursor: default; }
.gap { color: var(--_muted); padding: 0 .2em; }
.empty { padding: 1em; border-radius: var(--_radius); background: var(--_surface); }
.empty p { margin: .2em 0; }
dialog.document {
  width: min(52em, calc(100vw - 2em)); max-height: calc(100vh - 2em); padding: 0;
  border: 1px solid var(--_border); border-radius: calc(var(--_radius) * 1.5);
  color: var(--_text); background: var(--_background); font-family: var(--_font);
  box-shadow: 0 12px 40px rgba(0, 0, 0, .3);
}
dialog.document::backdrop { background: rgba(15, 23, 42, .45); }
.document-inner { display: flex; flex-direction: column; max-height: calc(100vh - 2em); }
.document-head { display: flex; gap: 1em; align-items: flex-start; padding: 1em 1.2em .6em;
  border-bottom: 1px solid var(--_border); }
.document-head h2 { flex: 1; margin: 0; font-size: 1.2em; line-height: 1.3; overflow-wrap: anywhere; }
.close {
  flex: none; width: 2em; height: 2em; border: 1px solid var(--_border); border-radius: 50%;
  background: var(--_background); font-size: 1.1em; line-height: 1; cursor: pointer;
}
.document-body { padding: .8em 1.2em 1.2em; overflow-y: auto; }
.document-body .summary { margin: .4em 0 .8em; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: 0 0 .8em;
  font-size: .9em; }
.facts dt { color: var(--_muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.doc-facets { margin: 0 0 .8em; }
.doc-facets h3, .doc-part summary { margin: 0 0 .3em; font-size: 1em; }
.facet-list { display: grid; grid-template-columns: max-content 1fr; gap: .3em 1em; margin: 0;
  font-size: .9em; align-items: baseline; }
.facet-list dt { color: var(--_muted); }
.facet-list dd { margin: 0; }
.facet-values { display: flex; flex-wrap: wrap; gap: .3em; margin: 0; padding: 0; list-style: none; }
.facet-value {
  padding: .05em .55em; border: 1px solid var(--_border); border-radius: 999px;
  background: var(--_surface); color: var(--_text); font-size: .95em; cursor: pointer;
}
.facet-value:hover { border-color: var(--_primary); }
.facet-value[aria-pressed="true"] {
  background: var(--_primary); border-color: var(--_primary); color: var(--_primary-text);
}
.doc-part { margin: 0 0 .8em; padding: .5em .8em; border: 1px solid var(--_border);
  border-radius: var(--_radius); }
.doc-part summary { cursor: pointer; font-weight: 700; }
.doc-part[open] summary { margin-bottom: .5em; }
.doc-sections, .doc-sections ol { margin: 0; padding: 0; list-style: none; font-size: .92em; }
.doc-sections ol { padding-left: 1.2em; font-size: .95em; }
.doc-sections li { margin: .15em 0; }
.doc-sections .link-button { display: inline; text-align: left; }
.related-kinds dt { font-weight: 700; margin-top: .3em; }
.related-kinds dd, .related-list { margin: 0; padding-left: 1em; }
.related-list .link-button { display: inline; text-align: left; }
.related-when { color: var(--_muted); font-size: .9em; }
.doc-sections ol .link-button { font-weight: 400; }
.doc-sections .section-page { color: var(--_muted); font-size: .9em; margin-left: .4em; }
.risks { margin: 0; padding-left: 1.4em; font-size: .92em; }
.risks > li { margin: 0 0 .8em; }
.risks p { margin: .15em 0; overflow-wrap: anywhere; }
.risk-where { color: var(--_muted); font-size: .95em; }
.changes-summary { margin: .2em 0 .6em; font-weight: 600; }
.changes h3 { margin: .8em 0 .3em; font-size: .95em; }
.changes .change-where { color: var(--_muted); font-weight: 400; }
.change-list { margin: 0; padding-left: 1.2em; font-size: .92em; }
.change-list > li { margin: 0 0 .6em; overflow-wrap: anywhere; }
.change-label { font-weight: 700; margin-right: .3em; }
.changes ins { text-decoration: underline; text-decoration-thickness: 2px;
  background: var(--privsearch-inserted, #e6f4ea); color: var(--privsearch-inserted-text, inherit); }
.changes del { text-decoration: line-through;
  background: var(--privsearch-deleted, #fdecea); color: var(--privsearch-deleted-text, inherit); }
.page-nav { display: flex; flex-wrap: wrap; gap: .35em; align-items: center; margin: .6em 0; }
.page-nav button {
  padding: .25em .6em; border: 1px solid var(--_border); border-radius: var(--_radius);
  background: var(--_background); cursor: pointer;
}
.page-nav button.matched { border-color: var(--_primary); font-weight: 700; }
.page-nav button[aria-current="page"] {
  background: var(--_primary); border-color: var(--_primary); color: var(--_primary-text);
}
.page-nav button:disabled { opacity: .45; cursor: default; }
.page-text {
  margin: 0; padding: .8em 1em; white-space: pre-wrap; overflow-wrap: anywhere;
  font-size: .92em; background: var(--_surface); border-radius: var(--_radius);
  max-height: 55vh; overflow-y: auto;
}
`;

  let sharedSheet = null;
  function styleSheet() {
    if (!sharedSheet) {
      sharedSheet = new CSSStyleSheet();
      sharedSheet.replaceSync(CSS);
    }
    return sharedSheet;
  }

  // The demo page served at / may not carry a <style> (its CSP allows scripts and styles from
  // its own origin only), so the few rules for the page around the widget come from here.
  const DEMO_PAGE_CSS = `
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1b1b1b; background: #ffffff; }
.demo-header { background: #162e51; color: #ffffff; padding: 1.1em 1.5em; }
.demo-header h1 { margin: 0; font-size: 1.4em; }
.demo-header p { margin: .25em 0 0; color: #dfe6f0; }
.demo-main { max-width: 64rem; margin: 0 auto; padding: 1.5rem; }
.demo-footer { max-width: 64rem; margin: 0 auto; padding: 0 1.5rem 2rem; color: #5c5c5c;
  font-size: .9rem; }
.demo-footer code { background: #f3f5f8; padding: .1em .3em; border-radius: 3px; }
.demo-footer a { color: #1a4480; }
.demo-main h2 { font-size: 1.15em; margin: 1.4em 0 .5em; }
.landing > section:first-child h2 { margin-top: 0; }
.demo-main h3 { font-size: 1em; margin: 0 0 .4em; }
.demo-main a { color: #1a4480; }
.demo-code { background: #f3f5f8; padding: .8em 1em; border-radius: 4px; overflow-x: auto; }
.landing ul, .landing ol { margin: 0; padding-left: 1.2em; }
.landing li { margin: .25em 0; }
.landing-examples ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5em 1.2em; }
.landing-count, .landing-meta { color: #5c5c5c; font-size: .9em; }
.landing-meta { display: block; }
`;
  if (document.documentElement.hasAttribute("data-privsearch-demo")) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(DEMO_PAGE_CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }

  // ---------------------------------------------------------------- the element

  class PrivsearchSearch extends HTMLElement {
    static get observedAttributes() {
      return ["api", "component", "type", "per-page", "placeholder", "label", "sort", "collapse"];
    }

    constructor() {
      super();
      this._root = this.attachShadow({ mode: "open" });
      this._root.adoptedStyleSheets = [styleSheet()];
      this._built = false;
      this._searchId = 0; // a response whose id is not the latest is stale and dropped
      this._suggestId = 0;
      this._documentId = 0;
      this._searchTimer = 0;
      this._suggestTimer = 0;
      this._suggestions = []; // the options shown: {kind: "phrase" | "document" | "reference", ...}
      this._suggestCache = new Map(); // query -> /api/suggest answer: backspacing asks nothing
      this._active = -1; // the highlighted suggestion
      this._results = [];
      this._lastQuery = null;
      this._lastPrefix = false;
      this._opener = null;
      this._expanded = new Set(); // the collapsible facet groups opened in full
      this._onPopState = () => this._restoreFromUrl();
    }

    connectedCallback() {
      if (!this._built) this._build();
      this.state = this._initialState();
      this._input.value = this.state.q;
      this._sortSelect.value = this.state.sort;
      this._syncSection();
      this._loadSections();
      window.addEventListener("popstate", this._onPopState);
      this._search();
    }

    disconnectedCallback() {
      window.removeEventListener("popstate", this._onPopState);
      clearTimeout(this._searchTimer);
      clearTimeout(this._suggestTimer);
    }

    attributeChangedCallback(name, oldValue, newValue) {
      if (!this._built || !this.isConnected || oldValue === newValue) return;
      if (name === "placeholder" || name === "label") {
        this._applyLabels();
        return;
      }
      if (name === "component" || name === "type") this.state[name] = splitList(newValue);
      if (name === "sort") this.state.sort = newValue === "date" ? "date" : "relevance";
      this.state.page = 1;
      this._search();
    }

    // ------------------------------------------------------------ configuration

    get apiBase() {
      const attribute = this.getAttribute("api");
      if (!attribute) return SCRIPT_BASE;
      const base = new URL(attribute, location.href).href;
      return base.endsWith("/") ? base : base + "/";
    }

    get perPage() {
      const n = parseInt(this.getAttribute("per-page") || "10", 10);
      return Number.isFinite(n) ? Math.min(100, Math.max(1, n)) : 10;
    }

    get syncsUrl() {
      return this.getAttribute("url-state") !== "off";
    }

    _defaults() {
      const state = {
        q: "",
        component: splitList(this.getAttribute("component")),
        type: splitList(this.getAttribute("type")),
        sort: this.getAttribute("sort") === "date" ? "date" : "relevance",
        year: [],
        since: "",
        until: "",
        section: "", // the kind of section the words must be in ("Routine Uses"); "": anywhere
        page: 1,
        asTyped: false, // search a misspelled word as typed (correct=false)
      };
      for (const { key } of PRIVACY_FACETS) state[key] = [];
      return state;
    }

    /** Whether any filter is set: with an empty box, the widget then lists documents. */
    _filtered(state = this.state) {
      return (
        FACETS.some(({ key }) => state[key].length) ||
        DATE_BOUNDS.some(({ key }) => state[key]) ||
        Boolean(state.section)
      );
    }

    /** An empty box with filters: list the documents they let through, newest first. */
    get _browsing() {
      return !this.state.q.trim() && this._filtered();
    }

    _initialState() {
      const state = this._defaults();
      if (!this.syncsUrl) return state;
      const params = new URLSearchParams(location.search);
      state.q = params.get(PARAM + "q") || "";
      // A filter key present in the URL, even empty, replaces the element's default filters.
      for (const { key } of FACETS) {
        if (params.has(PARAM + key)) state[key] = params.getAll(PARAM + key).filter(Boolean);
      }
      for (const { key } of DATE_BOUNDS) {
        const value = params.get(PARAM + key) || "";
        if (ISO_DATE.test(value)) state[key] = value;
      }
      state.section = (params.get(PARAM + "section") || "").trim();
      if (params.get(PARAM + "sort") === "date") state.sort = "date";
      state.asTyped = params.get(PARAM + "correct") === "false";
      const page = parseInt(params.get(PARAM + "page") || "1", 10);
      state.page = Number.isFinite(page) ? Math.min(MAX_PAGE, Math.max(1, page)) : 1;
      return state;
    }

    _restoreFromUrl() {
      this.state = this._initialState();
      this._input.value = this.state.q;
      this._sortSelect.value = this.state.sort;
      this._syncSection();
      this._closeSuggestions();
      this._search({ history: "none" });
    }

    _writeUrl(mode) {
      if (!this.syncsUrl || mode === "none") return;
      const url = new URL(location.href);
      const params = url.searchParams;
      for (const key of [...params.keys()]) if (key.startsWith(PARAM)) params.delete(key);
      const state = this.state;
      if (state.q.trim() || this._filtered()) {
        if (state.q.trim()) params.set(PARAM + "q", state.q);
        const defaults = this._defaults();
        for (const { key } of FACETS) {
          for (const value of state[key]) params.append(PARAM + key, value);
          const same = state[key].join("\n") === defaults[key].join("\n");
          if (!state[key].length && !same) params.set(PARAM + key, "");
        }
        for (const { key } of DATE_BOUNDS) if (state[key]) params.set(PARAM + key, state[key]);
        if (state.section) params.set(PARAM + "section", state.section);
        if (state.sort !== "relevance" && state.q.trim()) params.set(PARAM + "sort", state.sort);
        if (state.page > 1) params.set(PARAM + "page", String(state.page));
        if (state.asTyped) params.set(PARAM + "correct", "false");
      }
      if (url.href === location.href) return;
      if (mode === "push") history.pushState(history.state, "", url.href);
      else history.replaceState(history.state, "", url.href);
    }

    // ------------------------------------------------------------ DOM

    _build() {
      this._built = true;
      const root = this._root;

      this._input = el("input", {
        class: "input",
        part: "input",
        type: "search",
        role: "combobox",
        autocomplete: "off",
        autocapitalize: "off",
        spellcheck: "false",
        enterkeyhint: "search",
        "aria-autocomplete": "list",
        "aria-expanded": "false",
        "aria-controls": "suggestions",
        oninput: () => this._onInput(),
        onkeydown: (event) => this._onInputKey(event),
        onfocus: () => this._openSuggestions(),
        onblur: () => this._closeSuggestions(),
      });
      this._labelText = el("label", { class: "visually-hidden", for: "input" });
      this._input.id = "input";
      this._sortSelect = el(
        "select",
        {
          class: "sort",
          part: "sort",
          "aria-label": "Sort results",
          onchange: () => {
            this.state.sort = this._sortSelect.value;
            this.state.page = 1;
            this._search({ history: "push" });
          },
        },
        el("option", { value: "relevance" }, "Best match"),
        el("option", { value: "date" }, "Newest first"),
      );
      this._sectionSelect = el(
        "select",
        {
          class: "section-select",
          part: "section",
          id: "section",
          onchange: () => {
            this.state.section = this._sectionSelect.value;
            this.state.page = 1;
            this._search({ history: "push" });
          },
        },
        el("option", { value: "" }, "anywhere"),
      );
      // Hidden until the API says which kinds of sections the index holds.
      this._sectionChoice = el(
        "div",
        { class: "section-choice", hidden: true },
        el("label", { for: "section" }, "In section"),
        this._sectionSelect,
      );
      this._suggestionList = el("div", {
        class: "suggestions",
        part: "suggestions",
        id: "suggestions",
        role: "listbox",
        "aria-label": "Suggestions",
        hidden: true,
      });
      this._progress = el("div", { class: "progress", part: "progress", "aria-hidden": "true", hidden: true });
      this._status = el("div", { class: "status", part: "status", role: "status", "aria-live": "polite" });
      this._notes = el("p", { class: "notes", part: "notes", hidden: true });
      this._didYouMean = el("p", { class: "did-you-mean", part: "did-you-mean", hidden: true });
      this._filterSummary = el("summary", { part: "filters-summary" }, "Filters");
      this._filterGroups = el("div", { class: "filter-groups" });
      this._dateInputs = {};
      this._dateRange = el(
        "fieldset",
        { class: "facet date-range", part: "facet date-range", "data-facet": "date" },
        el("legend", {}, "Published"),
        DATE_BOUNDS.map(({ key, label }) => {
          const input = el("input", {
            type: "date",
            name: key,
            onchange: () => this._setDate(key, input.value),
          });
          this._dateInputs[key] = input;
          return el("label", { class: "date-bound" }, el("span", {}, label), input);
        }),
      );
      this._filters = el(
        "details",
        { class: "filters", part: "filters", hidden: true },
        this._filterSummary,
        this._filterGroups,
        this._dateRange,
      );
      // What the page puts in the element as slot="idle" shows beside the filters until a search.
      this._idleSlot = el("slot", { name: "idle" });
      // Each result's title is an <h3>: this heading keeps the outline in order under a page's <h1>.
      this._resultsHeading = el("h2", { class: "visually-hidden", id: "results-heading" }, "Search results");
      this._resultList = el("ol", { class: "results", part: "results", "aria-labelledby": "results-heading" });
      this._empty = el("div", { class: "empty", part: "empty", hidden: true });
      this._pagination = el("nav", { class: "pagination", part: "pagination", "aria-label": "Result pages", hidden: true });
      this._layout = el(
        "div",
        { class: "layout" },
        this._filters,
        el("div", { class: "main" }, this._idleSlot, this._resultsHeading, this._empty, this._resultList, this._pagination),
      );
      this._dialog = this._buildDialog();

      root.append(
        el(
          "div",
          { class: "root", part: "root" },
          el(
            "div",
            { class: "search", part: "search", role: "search" },
            this._labelText,
            el("div", { class: "box" }, this._input, this._sectionChoice, this._sortSelect),
            this._suggestionList,
          ),
          this._progress,
          this._status,
          this._notes,
          this._didYouMean,
          this._layout,
        ),
        this._dialog,
      );
      this._status.after(this._buildFeedLink());
      this._applyLabels();
    }

    _applyLabels() {
      const label = this.getAttribute("label") || "Search DHS privacy publications";
      this._labelText.textContent = label;
      this._input.placeholder = this.getAttribute("placeholder") || label;
    }

    _setState(name) {
      this.setAttribute("data-state", name);
      this._idleSlot.hidden = name !== "idle";
      this._progress.hidden = name !== "loading";
      this._resultList.setAttribute("aria-busy", name === "loading" ? "true" : "false");
      this._syncFeedLink(name);
    }

    // ------------------------------------------------------------ the search's feed

    /** A link to the current search as an Atom feed, for a feed reader to follow it. */
    _buildFeedLink() {
      this._feedLink = el(
        "a",
        { class: "feed-link", part: "feed-link", type: "application/atom+xml", href: "#" },
        "Feed",
        el("span", { class: "visually-hidden" }, " of this search (Atom, newest first)"),
      );
      this._feed = el("p", { class: "feed", part: "feed", hidden: true }, this._feedLink);
      return this._feed;
    }

    /** Shown once a search has answered (even with nothing yet: new documents may come),
     * hidden while idle or after an error; while loading it keeps the previous search's. */
    _syncFeedLink(state) {
      if (!this._feed || state === "loading") return;
      const shown = state === "results" || state === "browse" || state === "empty";
      this._feed.hidden = !shown;
      if (!shown) return;
      const url = new URL("api/search.atom", this.apiBase);
      const kept = (key) => !["page", "per_page", "prefix", "sort", "collapse"].includes(key);
      for (const [key, value] of this._searchParams({ prefix: false })) {
        if (kept(key) && (key !== "q" || value)) url.searchParams.append(key, value);
      }
      this._feedLink.href = url.href;
    }

    _showIdle() {
      const id = ++this._searchId; // anything in flight is now stale
      this._setState("idle");
      this._syncSort();
      this._status.className = "status";
      this._status.textContent = "";
      this._notes.hidden = true;
      this._didYouMean.hidden = true;
      this._filters.hidden = true;
      this._layout.classList.remove("has-filters");
      this._empty.hidden = true;
      this._resultList.replaceChildren();
      this._pagination.hidden = true;
      this._results = [];
      this._showAllFilters(id);
    }

    /** With an empty box, the filters with their counts over every document, to browse by. */
    async _showAllFilters(id) {
      if (!this._allFacets) {
        try {
          this._allFacets = (await this._get("api/search", [["q", ""], ["per_page", "1"]])).facets || {};
        } catch (error) {
          // Browsing is optional: the box still searches; over the rate limit, say nothing.
          if (id === this._searchId && error.status !== 429) {
            console.error(`[privsearch] cannot list the filters: ${error.message}`);
          }
          return;
        }
      }
      if (id === this._searchId) this._renderFilters(this._allFacets);
    }

    /** The sort menu: newest first while browsing (a listing has no best match). */
    _syncSort() {
      const browsing = this._browsing;
      this._sortSelect.disabled = browsing;
      this._sortSelect.value = browsing ? "date" : this.state.sort;
    }

    /** The section choice's options: the kinds of sections the index holds, by title. */
    async _loadSections() {
      const base = this.apiBase;
      if (!sectionLists.has(base)) {
        const titles = this._get("api/facets", []).then((data) =>
          Object.keys(data.section || {}).sort((a, b) => a.localeCompare(b)),
        );
        sectionLists.set(base, titles);
        titles.catch(() => sectionLists.delete(base)); // ask again next time
      }
      let titles;
      try {
        titles = await sectionLists.get(base);
      } catch (error) {
        // The choice is optional: without it the box still searches everywhere.
        if (error.status !== 429) console.error(`[privsearch] cannot list the sections: ${error.message}`);
        return;
      }
      this._sectionTitles = titles;
      this._syncSection();
    }

    /** The section choice shows the state's section, listed even when the index has none. */
    _syncSection() {
      const titles = [...(this._sectionTitles || [])];
      const chosen = this.state.section;
      const known = titles.find((t) => t.toLowerCase() === chosen.toLowerCase());
      if (chosen && !known) titles.push(chosen);
      const current = [...this._sectionSelect.options].slice(1).map((o) => o.value);
      if (current.join("\n") !== titles.join("\n")) {
        this._sectionSelect.replaceChildren(
          el("option", { value: "" }, "anywhere"),
          ...titles.map((title) => el("option", { value: title }, title)),
        );
      }
      this._sectionSelect.value = known || chosen;
      this._sectionChoice.hidden = titles.length === 0;
    }

    // ------------------------------------------------------------ typing and suggestions

    _onInput() {
      this.state.q = this._input.value;
      this.state.page = 1;
      this.state.asTyped = false;
      clearTimeout(this._searchTimer);
      clearTimeout(this._suggestTimer);
      if (!this.state.q.trim()) {
        this._suggestId++;
        this._setSuggestions([]);
        this._search({ history: "replace" });
        return;
      }
      this._suggestTimer = setTimeout(() => this._suggest(), SUGGEST_DELAY_MS);
      // While typing, the last word is the start of a word (prefix=true); Enter searches it whole.
      this._searchTimer = setTimeout(() => this._search({ history: "replace", prefix: true }), SEARCH_DELAY_MS);
    }

    async _suggest() {
      const q = this._input.value;
      const id = ++this._suggestId;
      let answer = this._suggestCache.get(q);
      if (!answer) {
        try {
          answer = await this._get("api/suggest", [["q", q], ["limit", "8"]]);
        } catch (error) {
          // Suggestions are optional: over the rate limit the list just stays as it is.
          if (id === this._suggestId && error.status !== 429) {
            console.error(`[privsearch] suggestions failed: ${error.message}`);
          }
          return;
        }
        this._suggestCache.set(q, answer);
        if (this._suggestCache.size > SUGGEST_CACHE_SIZE) {
          this._suggestCache.delete(this._suggestCache.keys().next().value);
        }
      }
      if (id !== this._suggestId || q !== this._input.value) return;
      const typed = q.trim().toLowerCase();
      this._setSuggestions([
        ...(answer.suggestions || [])
          .filter((text) => text.toLowerCase() !== typed)
          .map((text) => ({ kind: "phrase", text })),
        ...(answer.documents || []).map((doc) => ({ kind: "document", doc })),
        ...(answer.references || [])
          .filter((text) => text.toLowerCase() !== typed)
          .map((text) => ({ kind: "reference", text })),
      ]);
    }

    /** The options of the list, in three groups: Suggestions (phrases), Documents, References. */
    _setSuggestions(items) {
      this._suggestions = items;
      this._active = -1;
      const typed = this._input.value.trimStart();
      const groups = [
        ["phrase", "Suggestions"],
        ["document", "Documents"],
        ["reference", "References"],
      ];
      const option = (item, i) =>
        el(
          "div",
          {
            class: `suggestion ${item.kind}`,
            part: "suggestion",
            id: `suggestion-${i}`,
            role: "option",
            "aria-selected": "false",
            // mousedown, not click: the input keeps focus and its blur does not close the list
            onmousedown: (event) => {
              event.preventDefault();
              this._pickSuggestion(i);
            },
          },
          this._optionContent(item, typed),
        );
      const rendered = [];
      for (const [kind, label] of groups) {
        const members = [];
        items.forEach((item, i) => {
          if (item.kind === kind) members.push(option(item, i));
        });
        if (!members.length) continue;
        const labelId = `suggestion-group-${kind}`;
        rendered.push(
          el(
            "div",
            { class: "suggestion-group", role: "group", "aria-labelledby": labelId },
            el("div", { class: "group-label", id: labelId, role: "presentation" }, label),
            members,
          ),
        );
      }
      this._suggestionList.replaceChildren(...rendered);
      if (this._root.activeElement === this._input) {
        this._openSuggestions();
      } else {
        this._closeSuggestions();
      }
    }

    _optionContent(item, typed) {
      if (item.kind === "document") {
        const doc = item.doc;
        const meta = [doc.doc_type, doc.component, doc.date ? formatDate(doc.date) : null].filter(Boolean);
        return [doc.title || doc.id, el("span", { class: "suggestion-meta" }, [doc.id, ...meta].join(" · "))];
      }
      const text = item.text;
      const lead = text.slice(0, typed.length);
      const prefixed = typed && lead.toLowerCase() === typed.toLowerCase();
      return prefixed ? [lead, el("strong", {}, text.slice(typed.length))] : [text];
    }

    _openSuggestions() {
      const open = this._suggestions.length > 0 && this._input.value.trim() !== "";
      this._suggestionList.hidden = !open;
      this._input.setAttribute("aria-expanded", open ? "true" : "false");
    }

    _closeSuggestions() {
      this._suggestionList.hidden = true;
      this._input.setAttribute("aria-expanded", "false");
      this._highlight(-1);
    }

    get _suggestionsOpen() {
      return !this._suggestionList.hidden;
    }

    _options() {
      return this._suggestionList.querySelectorAll("[role=option]");
    }

    _highlight(index) {
      this._active = index;
      const items = this._options();
      for (let i = 0; i < items.length; i++) {
        items[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      if (index >= 0 && items[index]) {
        this._input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        this._input.removeAttribute("aria-activedescendant");
      }
    }

    _pickSuggestion(index) {
      const item = this._suggestions[index];
      if (item === undefined) return;
      this._suggestId++;
      this._closeSuggestions();
      if (item.kind === "document") {
        // A document: open it, as a result's title does.
        this._openDocument(item.doc, null, this._input);
        return;
      }
      // A phrase or a reference number: search it.
      this._input.value = item.text;
      this.state.q = item.text;
      this.state.page = 1;
      this.state.asTyped = false;
      this._setSuggestions([]);
      this._closeSuggestions();
      this._search({ history: "push" });
    }

    _onInputKey(event) {
      const count = this._suggestions.length;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (this._suggestionsOpen && this._active < count - 1) this._highlight(this._active + 1);
          else if (this._suggestionsOpen || !count) this._focusResult(0);
          else this._openSuggestions();
          break;
        case "ArrowUp":
          if (!this._suggestionsOpen) break;
          event.preventDefault();
          this._highlight(this._active > 0 ? this._active - 1 : -1);
          break;
        case "Enter":
          event.preventDefault();
          if (this._suggestionsOpen && this._active >= 0) {
            this._pickSuggestion(this._active);
          } else {
            this._closeSuggestions();
            this._suggestId++;
            if (this._input.value.trim()) this._search({ history: "push" });
          }
          break;
        case "Escape":
          if (this._suggestionsOpen) {
            event.preventDefault();
            this._closeSuggestions();
          } else if (this._input.value) {
            event.preventDefault();
            this._input.value = "";
            this._onInput();
          }
          break;
        case "Tab":
          this._closeSuggestions();
          break;
        default:
          break;
      }
    }

    // ------------------------------------------------------------ searching

    _searchParams(overrides) {
      const state = { ...this.state, ...overrides };
      // A query being typed keeps its trailing space: it says the last word is complete.
      const params = [["q", state.prefix ? state.q.trimStart() : state.q.trim()]];
      if (state.prefix) params.push(["prefix", "true"]);
      for (const { key } of FACETS) for (const value of state[key]) params.push([key, value]);
      for (const { key } of DATE_BOUNDS) if (state[key]) params.push([key, state[key]]);
      if (state.section) params.push(["section", state.section]);
      // An empty query lists documents newest first (the API's default for it).
      if (state.sort !== "relevance" && state.q.trim()) params.push(["sort", state.sort]);
      params.push(["page", String(state.page)], ["per_page", String(state.perPage || this.perPage)]);
      if (this.hasAttribute("collapse")) params.push(["collapse", "true"]);
      if (state.asTyped) params.push(["correct", "false"]);
      return params;
    }

    async _search(options = {}) {
      clearTimeout(this._searchTimer);
      const id = ++this._searchId;
      if (!this.state.q.trim() && !this._filtered()) {
        this._showIdle();
        this._writeUrl(options.history || "replace");
        return;
      }
      this._writeUrl(options.history || "replace");
      this._setState("loading");
      this._syncSort();
      // Facet counts for a group with a selection come from the same search without that
      // group's filter, so its other values stay visible and selectable (values in a group OR).
      const typing = options.prefix ? { prefix: true } : {};
      const requests = [this._get("api/search", this._searchParams(typing))];
      for (const { key } of FACETS) {
        if (this.state[key].length) {
          requests.push(this._get("api/search", this._searchParams({ ...typing, [key]: [], page: 1, perPage: 1 })));
        }
      }
      let responses;
      try {
        responses = await Promise.all(requests);
      } catch (error) {
        if (id !== this._searchId) return;
        this._showError(error);
        return;
      }
      if (id !== this._searchId) return;
      const [data, ...others] = responses;
      const facets = { ...data.facets };
      for (const { key, field } of FACETS) {
        if (this.state[key].length) facets[field || key] = others.shift().facets[field || key];
      }
      this._render(data, facets, options);
    }

    async _get(path, params) {
      const url = new URL(path, this.apiBase);
      for (const [key, value] of params) url.searchParams.append(key, value);
      let response;
      try {
        response = await fetch(url.href, { headers: { Accept: "application/json" } });
      } catch (error) {
        throw Object.assign(new Error(`cannot reach the search service at ${url.origin}`), {
          cause: error,
          network: true,
        });
      }
      let data = null;
      try {
        data = await response.json();
      } catch (_) {
        /* not JSON: handled below */
      }
      if (!response.ok || !data || data.ok === false) {
        const message = (data && data.error) || `HTTP ${response.status} from ${url.pathname}`;
        const retryAfter = parseInt(response.headers.get("Retry-After") || "", 10);
        throw Object.assign(new Error(message), {
          status: response.status,
          retryAfter: Number.isFinite(retryAfter) ? retryAfter : 1,
        });
      }
      return data;
    }

    _showError(error) {
      this._setState("error");
      this._resultList.replaceChildren();
      this._pagination.hidden = true;
      this._notes.hidden = true;
      this._didYouMean.hidden = true;
      this._results = [];
      this._empty.hidden = true;
      if (error.status === 429) {
        // Over the server's rate limit: say so and search again when it allows.
        const id = this._searchId;
        const seconds = Math.min(30, Math.max(1, error.retryAfter));
        this._status.className = "status";
        this._status.textContent = `Too many searches at once; trying again in ${plural(seconds, "second", "seconds")}…`;
        setTimeout(() => {
          if (id === this._searchId) this._search({ history: "none" });
        }, seconds * 1000);
        return;
      }
      if (error.status && error.status < 500) {
        // The query itself is wrong (e.g. an unbalanced quote while typing): say how to fix it.
        this.setAttribute("data-state", "invalid");
        this._status.className = "status";
        this._status.textContent = error.message.charAt(0).toUpperCase() + error.message.slice(1);
        return;
      }
      console.error(`[privsearch] search failed: ${error.message}`);
      this._status.className = "status error";
      this._status.replaceChildren(
        `Search is unavailable: ${error.message}.`,
        el("button", { class: "link-button retry", type: "button", onclick: () => this._search() }, "Try again"),
      );
    }

    // ------------------------------------------------------------ rendering results

    _render(data, facets, options) {
      const total = data.total || 0;
      if (!(data.results || []).length && total && data.page > 1) {
        // A shared link past the last page: show the last page instead.
        this.state.page = Math.min(MAX_PAGE, Math.ceil(total / data.per_page));
        this._search({ history: "replace" });
        return;
      }
      this._results = data.results || [];
      this._lastQuery = data.query;
      this._lastPrefix = Boolean(options.prefix); // an open page marks the completed words too
      const browsing = !(data.query || "").trim();
      this._setState(total ? (browsing ? "browse" : "results") : "empty");
      this._status.className = "status";
      const first = (data.page - 1) * data.per_page + 1;
      const last = first + this._results.length - 1;
      const where = total > data.per_page ? `, ${first}–${last} shown` : "";
      if (browsing) {
        this._status.textContent = total
          ? `Browsing ${plural(total, "document", "documents")}, newest first${where}`
          : "No documents match these filters";
      } else {
        this._status.textContent = total
          ? `${plural(total, "result", "results")} for “${data.query}”${where}`
          : `No results for “${data.query}”`;
      }
      this._notes.textContent = (data.notes || []).join(" ");
      this._notes.hidden = !(data.notes || []).length;
      this._renderDidYouMean(data.suggestion, data.corrected_from);
      this._renderFilters(facets);
      this._renderEmpty(total);
      this._resultList.replaceChildren(...this._results.map((hit, i) => this._renderHit(hit, i)));
      this._renderPagination(total, data.page, data.per_page);
      if (options.focusFirst) this._focusResult(0);
    }

    _renderDidYouMean(suggestion, correctedFrom) {
      this._didYouMean.hidden = !suggestion;
      if (!suggestion) return;
      if (correctedFrom) {
        // The results are for the correction: say so, and offer the words as typed.
        this._didYouMean.replaceChildren(
          "Showing results for ",
          el("strong", {}, suggestion),
          "; search instead for ",
          el(
            "button",
            {
              type: "button",
              class: "as-typed",
              onclick: () => {
                this.state.asTyped = true;
                this.state.page = 1;
                this._search({ history: "push" });
              },
            },
            correctedFrom,
          ),
        );
        return;
      }
      this._didYouMean.replaceChildren(
        "Did you mean ",
        el(
          "button",
          {
            type: "button",
            onclick: () => {
              this._input.value = suggestion;
              this.state.q = suggestion;
              this.state.page = 1;
              this.state.asTyped = false;
              this._search({ history: "push" });
            },
          },
          suggestion,
        ),
        "?",
      );
    }

    _renderEmpty(total) {
      this._empty.hidden = total > 0;
      if (total) return;
      const filtered = this._filtered();
      const browsing = !this.state.q.trim();
      this._empty.replaceChildren(
        ...present(
        browsing
          ? el("p", {}, "Try fewer filters or a wider date range.")
          : el("p", {}, "Try fewer or different words, or check the spelling."),
        filtered
          ? el(
              "p",
              {},
              el(
                "button",
                {
                  class: "link-button",
                  type: "button",
                  onclick: () => {
                    for (const { key } of FACETS) this.state[key] = [];
                    for (const { key } of DATE_BOUNDS) this.state[key] = "";
                    this.state.section = "";
                    this._syncSection();
                    this.state.page = 1;
                    this._search({ history: "push" });
                  },
                },
                browsing ? "Clear the filters" : "Search without filters",
              ),
            )
          : null,
        ),
      );
    }

    _renderFilters(facets) {
      const groups = [];
      for (const facet of FACETS) {
        const counts = { ...(facets[facet.field || facet.key] || {}) };
        for (const value of this.state[facet.key]) if (!(value in counts)) counts[value] = 0;
        const values = Object.keys(counts).sort(
          facet.newestFirst
            ? (a, b) => (a === "unknown") - (b === "unknown") || b.localeCompare(a)
            : (a, b) => counts[b] - counts[a] || a.localeCompare(b),
        );
        if (values.length) groups.push(this._facetGroup(facet, values, counts));
      }
      // The groups are drawn anew: a keyboard user keeps the focus on the same control.
      const focused = this._focusedFilter();
      this._filterGroups.replaceChildren(...groups);
      if (focused) this._refocusFilter(focused);
      for (const { key } of DATE_BOUNDS) {
        if (this._dateInputs[key].value !== this.state[key]) this._dateInputs[key].value = this.state[key];
      }
      this._filters.hidden = !groups.length && !this._filtered();
      const dates = DATE_BOUNDS.filter(({ key }) => this.state[key]).length;
      const selected = FACETS.reduce((n, { key }) => n + this.state[key].length, dates);
      this._filterSummary.textContent = selected ? `Filters (${selected} selected)` : "Filters";
      if (groups.length && !this._filtersPlaced) {
        // Open beside the results on a wide widget; folded above them on a narrow one.
        this._filtersPlaced = true;
        this._filters.open = this.getBoundingClientRect().width >= 640;
      }
      this._layout.classList.toggle("has-filters", groups.length > 0);
    }

    /** One facet's group of checkboxes with counts; past `collapseAfter` values, the rest
     * (those not ticked) hide behind a "Show N more" button. */
    _facetGroup({ key, label, names, collapseAfter }, values, counts) {
      const optionsId = `facet-options-${key}`;
      const options = values.map((value) =>
        el(
          "label",
          { class: "facet-option", part: "facet-option" },
          el("input", {
            type: "checkbox",
            value,
            checked: this.state[key].includes(value),
            onchange: (event) => this._toggleFilter(key, value, event.target.checked),
          }),
          el("span", { class: "value" }, (names && names[value]) || value),
          el("span", { class: "count", "aria-label": plural(counts[value], "result", "results") }, String(counts[value])),
        ),
      );
      const foldable = collapseAfter
        ? values.map((value, i) => i >= collapseAfter && !this.state[key].includes(value))
        : [];
      const folded = foldable.filter(Boolean).length;
      let more = null;
      if (folded) {
        const show = (expanded) => {
          options.forEach((option, i) => {
            option.hidden = !expanded && foldable[i];
          });
          more.setAttribute("aria-expanded", expanded ? "true" : "false");
          more.textContent = expanded ? "Show fewer" : `Show ${folded} more`;
        };
        more = el("button", {
          type: "button",
          class: "link-button facet-more",
          "aria-controls": optionsId,
          "data-more": key,
          onclick: () => {
            const expanded = !this._expanded.has(key);
            if (expanded) this._expanded.add(key);
            else this._expanded.delete(key);
            show(expanded);
          },
        });
        show(this._expanded.has(key));
      }
      return el(
        "fieldset",
        { class: "facet", part: "facet", "data-facet": key },
        el("legend", {}, label),
        el("div", { class: "facet-options", id: optionsId }, options),
        more,
      );
    }

    /** Which filter control has the focus, if any: {facet, value} or {facet, more: true}. */
    _focusedFilter() {
      const active = this._root.activeElement;
      if (!active || !this._filterGroups.contains(active)) return null;
      const group = active.closest("[data-facet]");
      if (!group) return null;
      if (active.hasAttribute("data-more")) return { facet: group.dataset.facet, more: true };
      return active.type === "checkbox" ? { facet: group.dataset.facet, value: active.value } : null;
    }

    _refocusFilter({ facet, value, more }) {
      const group = [...this._filterGroups.querySelectorAll("[data-facet]")].find((g) => g.dataset.facet === facet);
      if (!group) return;
      const target = more
        ? group.querySelector("[data-more]")
        : [...group.querySelectorAll("input[type=checkbox]")].find((input) => input.value === value);
      if (target && !target.closest("[hidden]")) target.focus();
    }

    _setDate(key, value) {
      // An incomplete date reads as "": the bound is dropped rather than sent half typed.
      this.state[key] = ISO_DATE.test(value) ? value : "";
      this.state.page = 1;
      this._search({ history: "push" });
    }

    _toggleFilter(key, value, on) {
      const values = this.state[key].filter((v) => v !== value);
      if (on) values.push(value);
      this.state[key] = values;
      this.state.page = 1;
      this._search({ history: "push" });
    }

    _renderHit(hit, index) {
      const title = el(
        "button",
        {
          class: "result-title",
          part: "result-title",
          type: "button",
          "data-index": index,
          onclick: () => this._openDocument(hit, null, title),
          onkeydown: (event) => this._onResultKey(event, index),
        },
        hit.title || hit.id,
      );
      const meta = el(
        "div",
        { class: "meta", part: "result-meta" },
        hit.component ? el("span", { class: "tag", title: "Component" }, hit.component) : null,
        hit.doc_type ? el("span", { class: "tag", title: "Type" }, hit.doc_type) : null,
        el("span", {}, formatDate(hit.date)),
        hit.id ? el("span", { class: "id" }, hit.id) : null,
      );
      const pages = (hit.pages || []).length
        ? el(
            "div",
            { class: "pages", part: "pages" },
            hit.pages.length === 1 ? "Match on page" : "Matches on pages",
            hit.pages.slice(0, 12).map((n) =>
              el(
                "button",
                {
                  class: "page-link",
                  type: "button",
                  "aria-label": `Open page ${n}`,
                  onclick: (event) => this._openDocument(hit, n, event.currentTarget),
                },
                String(n),
              ),
            ),
            hit.pages.length > 12 ? `and ${hit.pages.length - 12} more` : null,
          )
        : null;
      const others = (hit.versions || []).filter((v) => v !== hit.id);
      return el(
        "li",
        { class: "result", part: "result", "data-id": hit.id },
        el("h3", {}, title),
        meta,
        hit.snippet ? this._snippet(hit) : null,
        pages,
        this._originalLinks(hit.pdf_page_url || hit.pdf, hit.pdf_page_url ? hit.pages[0] : null, hit.url),
        others.length ? el("p", { class: "versions" }, `Other versions: ${others.join(", ")}`) : null,
      );
    }

    /** The snippet, after where it comes from when the API knows: "Routine Uses, page 4: …". */
    _snippet(hit) {
      const where = hit.section ? sectionAndPage(hit.section, hit.snippet_page) : null;
      return el(
        "p",
        { class: "snippet", part: "snippet" },
        where ? el("span", { class: "snippet-where", part: "snippet-section" }, where) : null,
        where ? ": " : null,
        markedFragment(hit.snippet),
      );
    }

    /** "Open PDF" (at a page when known) and "Publication page" links; null when neither. */
    _originalLinks(pdf, pageNumber, url, extraPart = "") {
      const pdfHref = pdf ? this._apiHref(pdf) : null;
      const webHref = url ? safeLink(url) : null;
      if (!pdfHref && !webHref) return null;
      return el(
        "p",
        { class: "originals", part: "originals" },
        pdfHref
          ? el(
              "a",
              { class: "pdf-link", part: "pdf-link", href: pdfHref, target: "_blank", rel: "noopener" },
              pageNumber ? `Open PDF at page ${pageNumber}` : "Open PDF",
            )
          : null,
        webHref
          ? el(
              "a",
              { class: "publication-link", part: `publication-link${extraPart}`, href: webHref, target: "_blank", rel: "noopener noreferrer" },
              "Publication page ↗",
            )
          : null,
      );
    }

    /** An API path from the JSON ("/api/documents/.../pdf#page=2") as an address on the API's
     * own origin; null for anything else. */
    _apiHref(path) {
      try {
        const base = new URL(this.apiBase);
        const url = new URL(String(path).replace(/^\/+/, ""), base);
        return url.origin === base.origin && url.pathname.startsWith(base.pathname) ? url.href : null;
      } catch (_) {
        return null;
      }
    }

    _resultTitles() {
      return [...this._resultList.querySelectorAll(".result-title")];
    }

    _focusResult(index) {
      const titles = this._resultTitles();
      if (!titles.length) return;
      this._closeSuggestions();
      titles[Math.max(0, Math.min(index, titles.length - 1))].focus();
    }

    _onResultKey(event, index) {
      const titles = this._resultTitles();
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (index < titles.length - 1) titles[index + 1].focus();
          break;
        case "ArrowUp":
          event.preventDefault();
          if (index > 0) titles[index - 1].focus();
          else this._input.focus();
          break;
        case "Home":
          event.preventDefault();
          titles[0].focus();
          break;
        case "End":
          event.preventDefault();
          titles[titles.length - 1].focus();
          break;
        case "Escape":
          event.preventDefault();
          this._input.focus();
          break;
        default:
          break;
      }
    }

    _renderPagination(total, page, perPage) {
      const pages = Math.min(MAX_PAGE, Math.ceil(total / perPage));
      this._pagination.hidden = pages <= 1;
      if (pages <= 1) {
        this._pagination.replaceChildren();
        return;
      }
      const go = (n) => () => {
        this.state.page = n;
        this._search({ history: "push", focusFirst: true });
        if (this.getBoundingClientRect().top < 0) this.scrollIntoView({ block: "start" });
      };
      const shown = new Set([1, pages]);
      for (let n = page - 2; n <= page + 2; n++) if (n >= 1 && n <= pages) shown.add(n);
      const items = [
        el(
          "button",
          { type: "button", part: "page-button", "aria-label": "Previous page", disabled: page <= 1, onclick: go(page - 1) },
          "‹ Previous",
        ),
      ];
      let previous = 0;
      for (const n of [...shown].sort((a, b) => a - b)) {
        if (n - previous > 1) items.push(el("span", { class: "gap", "aria-hidden": "true" }, "…"));
        items.push(
          el(
            "button",
            {
              type: "button",
              part: "page-button",
              "aria-label": `Page ${n}`,
              "aria-current": n === page ? "page" : null,
              onclick: go(n),
            },
            String(n),
          ),
        );
        previous = n;
      }
      items.push(
        el(
          "button",
          { type: "button", part: "page-button", "aria-label": "Next page", disabled: page >= pages, onclick: go(page + 1) },
          "Next ›",
        ),
      );
      this._pagination.replaceChildren(...items);
    }

    // ------------------------------------------------------------ the document panel

    _buildDialog() {
      this._docTitle = el("h2", { id: "document-title", part: "document-title" });
      this._docBody = el("div", { class: "document-body" });
      return el(
        "dialog",
        {
          class: "document",
          part: "document",
          "aria-labelledby": "document-title",
          onclose: () => {
            this._documentId++;
            // "close" fires a task after the dialog shut: if the browser already put the focus
            // back and the user moved on, leave it where it is.
            const focused = this._root.activeElement;
            const lost = !focused || this._dialog.contains(focused);
            if (lost && this._opener && this._opener.isConnected) this._opener.focus();
          },
          onkeydown: (event) => {
            if (event.target.tagName === "INPUT" || event.target.tagName === "SELECT") return;
            if (event.key === "ArrowRight" && this._pageNav) this._pageNav(+1, event);
            if (event.key === "ArrowLeft" && this._pageNav) this._pageNav(-1, event);
          },
          // a click on the backdrop lands on the dialog element itself
          onclick: (event) => {
            if (event.target === this._dialog) this._dialog.close();
          },
        },
        el(
          "div",
          { class: "document-inner" },
          el(
            "div",
            { class: "document-head" },
            this._docTitle,
            el(
              "button",
              {
                class: "close",
                part: "document-close",
                type: "button",
                "aria-label": "Close",
                onclick: () => this._dialog.close(),
              },
              "×",
            ),
          ),
          this._docBody,
        ),
      );
    }

    async _openDocument(hit, pageNumber, opener) {
      const id = ++this._documentId;
      this._opener = opener || null;
      this._pageNav = null;
      this._docTitle.textContent = hit.title || hit.id;
      this._docBody.replaceChildren(el("p", { class: "loading" }, "Loading…"));
      if (!this._dialog.open) this._dialog.showModal();
      let record;
      try {
        record = await this._get(`api/documents/${encodeURIComponent(hit.id)}`, hit.source ? [["source", hit.source]] : []);
      } catch (error) {
        if (id !== this._documentId) return;
        console.error(`[privsearch] cannot open ${hit.id}: ${error.message}`);
        this._docBody.replaceChildren(el("p", { class: "status error", role: "alert" }, `Cannot open this document: ${error.message}.`));
        return;
      }
      if (id !== this._documentId) return;
      this._renderDocument(record, hit, pageNumber, id);
    }

    _renderDocument(record, hit, pageNumber, id) {
      this._docTitle.textContent = record.title || record.id;
      const facts = el("dl", { class: "facts", part: "document-meta" });
      const fact = (term, value) => {
        if (value) facts.append(el("dt", {}, term), el("dd", {}, value));
      };
      fact("Reference", record.id);
      fact("Component", record.component);
      fact("Type", record.doc_type);
      fact("Published", formatDate(record.date));
      fact("SORNs", (record.sorns || []).join("; "));
      const others = (record.versions || []).filter((v) => v !== record.id);
      fact("Other versions", others.join(", "));
      const pages = (record.pages || []).map((p) => p.number);
      const matched = new Set(hit.pages || []);
      const start = pages.includes(pageNumber) ? pageNumber : pages.find((n) => matched.has(n)) || pages[0];
      const pageArea = el("div", { class: "page-area" });
      // A section's or a risk's page opens in the panel, its text focused for the keyboard.
      const openPage = pages.length
        ? (n) => (pages.includes(n) ? () => this._showPage(record, pages, matched, n, pageArea, id, true) : null)
        : () => null;
      this._docBody.replaceChildren(
        ...present(
          facts,
          record.summary ? el("p", { class: "summary" }, record.summary) : null,
          this._originalLinks(record.pdf, null, record.url, " document-link"),
          this._documentFacets(record.facets || {}),
          this._documentSections(record.sections || [], openPage),
          this._documentRisks(record.risks || [], record.sections || [], openPage),
          this._documentRelated(record, id),
          this._documentChanges(record, id),
          pageArea,
        ),
      );
      if (pages.length) this._showPage(record, pages, matched, start, pageArea, id);
    }

    /** The document's privacy facets, each value a button that filters the search by it. */
    _documentFacets(facets) {
      const known = PRIVACY_FACETS.filter(({ key }) => (facets[key] || []).length);
      if (!known.length) return null;
      const list = el("dl", { class: "facet-list" });
      for (const { key, label } of known) {
        const buttons = facets[key].map((value) => {
          const on = this.state[key].includes(value);
          return el(
            "li",
            {},
            el(
              "button",
              {
                type: "button",
                class: "facet-value",
                part: "document-facet",
                // pressed: the search is filtered by it (pressing it again drops the filter)
                "aria-pressed": on ? "true" : "false",
                "aria-label": `${value}, filter by ${label}`,
                onclick: () => this._filterFromDocument(key, value),
              },
              value,
            ),
          );
        });
        list.append(el("dt", {}, label), el("dd", {}, el("ul", { class: "facet-values" }, buttons)));
      }
      return el(
        "section",
        { class: "doc-facets", part: "document-facets", "aria-labelledby": "document-facets-heading" },
        el("h3", { id: "document-facets-heading" }, "Privacy facets"),
        list,
      );
    }

    /** A privacy facet value from the open document: the search filtered by it (or no longer). */
    _filterFromDocument(key, value) {
      const on = !this.state[key].includes(value);
      this._opener = this._input; // the result that opened the panel is about to be redrawn
      this._dialog.close();
      this._toggleFilter(key, value, on);
    }

    /** The document's sections, each a link to its page in the panel; numbered questions nested
     * under the part they belong to. */
    _documentSections(sections, openPage) {
      if (!sections.length) return null;
      const entry = (section) => {
        const title = readableHeading(section.title);
        const open = openPage(section.page);
        return el(
          "li",
          {},
          open ? el("button", { type: "button", class: "link-button section-link", onclick: open }, title) : title,
          el("span", { class: "section-page" }, `page ${section.page}`),
        );
      };
      const list = el("ol", { class: "doc-sections" });
      let parent = null;
      for (const section of sections) {
        const item = entry(section);
        if (section.level > 1 && parent) {
          let nested = parent.querySelector("ol");
          if (!nested) parent.append((nested = el("ol", {})));
          nested.append(item);
        } else {
          list.append(item);
          parent = item;
        }
      }
      return el(
        "details",
        { class: "doc-part", part: "document-sections" },
        el("summary", {}, `Sections (${sections.length})`),
        list,
      );
    }

    /** The privacy risks the document states, each with its mitigation, section and page. */
    _documentRisks(risks, sections, openPage) {
      if (!risks.length) return null;
      const items = risks.map((risk) => {
        const section = this._riskSection(risk, sections);
        const open = openPage(risk.page);
        const page = open
          ? el("button", { type: "button", class: "link-button risk-page", onclick: open }, `page ${risk.page}`)
          : `page ${risk.page}`;
        return el(
          "li",
          { class: "risk-item" },
          el("p", { class: "risk" }, el("strong", {}, "Privacy risk: "), risk.risk),
          el("p", { class: "mitigation" }, el("strong", {}, "Mitigation: "), risk.mitigation || "none stated."),
          el("p", { class: "risk-where" }, section ? `${section}, ` : "", page),
        );
      });
      return el(
        "details",
        { class: "doc-part", part: "document-risks" },
        el("summary", {}, `Privacy risks (${risks.length})`),
        el("ol", { class: "risks" }, items),
      );
    }

    /** The heading of the part a risk is stated in. The API names the kind of part (`key`),
     * which two parts of an older template share (4.0 Internal and 5.0 External Sharing): the
     * first part of the kind whose pages reach the risk's page, up to where the next part starts. */
    _riskSection(risk, sections) {
      const parts = sections.filter((s) => s.level === 1);
      const covering = parts.filter((part, i) => {
        const next = parts[i + 1];
        return part.key === risk.section && part.page <= risk.page && (!next || risk.page <= next.page);
      });
      const part = covering[0] || parts.find((s) => s.key === risk.section);
      return part ? readableHeading(part.title) : "";
    }

    /** The documents this one is linked to (SORNs covering it, versions, what it supersedes,
     * exemption rules, citations), asked for once the panel shows: grouped by kind, each held by
     * the index a link that opens its panel. */
    _documentRelated(record, id) {
      const part = el(
        "details",
        { class: "doc-part doc-related", part: "document-related" },
        el("summary", {}, "Related documents"),
        el("p", { class: "loading" }, "Loading…"),
      );
      this._fillRelated(part, record.id, id);
      return part;
    }

    async _fillRelated(part, recordId, id) {
      let answer;
      try {
        answer = await this._get(`api/documents/${encodeURIComponent(recordId)}/related`, []);
      } catch (error) {
        if (id !== this._documentId) return;
        console.error(`[privsearch] cannot list the documents related to ${recordId}: ${error.message}`);
        part.lastChild.replaceWith(el("p", { class: "status error" }, "Cannot list related documents."));
        return;
      }
      if (id !== this._documentId) return;
      const kinds = Object.entries(answer.related || {});
      if (!kinds.length) {
        part.remove();
        return;
      }
      part.firstChild.textContent = `Related documents (${answer.total})`;
      const groups = el("dl", { class: "related-kinds" });
      for (const [kind, others] of kinds) {
        const items = others.map((other) => el("li", {}, ...this._relatedEntry(other)));
        groups.append(el("dt", {}, RELATED_KINDS[kind] || kind), el("dd", {}, el("ul", { class: "related-list" }, items)));
      }
      part.lastChild.replaceWith(groups);
    }

    _relatedEntry(other) {
      if (!other.resolved) return [el("span", { class: "related-id" }, other.id), " (not in the index)"];
      const label = other.title ? `${other.id}: ${other.title}` : other.id;
      const open = () => this._openDocument({ id: other.id, title: other.title }, undefined, this._opener);
      const when = [other.doc_type, formatDate(other.date)].filter(Boolean).join(", ");
      return [
        el("button", { type: "button", class: "link-button related-link", part: "document-related-link", onclick: open }, label),
        when ? el("span", { class: "related-when" }, ` ${when}`) : "",
      ];
    }

    /** "Compare with previous version", when the document has an earlier version: opened, the
     * sections that changed since it, loaded then, added and removed text marked. */
    _documentChanges(record, id) {
      const previous = record.previous_version;
      if (!previous) return null;
      const status = el("p", { class: "changes-summary", role: "status" });
      const sections = el("div", { class: "changed-sections" });
      let loaded = false;
      return el(
        "details",
        {
          class: "doc-part",
          part: "document-changes",
          ontoggle: (event) => {
            if (!event.currentTarget.open || loaded) return;
            loaded = true;
            this._loadChanges(record, status, sections, id);
          },
        },
        el("summary", {}, `Compare with previous version (${previous.id}, ${formatDate(previous.date)})`),
        el("div", { class: "changes" }, status, sections),
      );
    }

    async _loadChanges(record, status, sections, id) {
      status.textContent = "Loading the changes…";
      let changes;
      try {
        const query = record.source ? [["source", record.source]] : [];
        changes = await this._get(`api/documents/${encodeURIComponent(record.id)}/diff`, query);
      } catch (error) {
        if (id !== this._documentId) return;
        console.error(`[privsearch] cannot compare ${record.id}: ${error.message}`);
        status.className = "changes-summary status error";
        status.textContent = `Cannot compare: ${error.message}.`;
        return;
      }
      if (id !== this._documentId || !status.isConnected) return;
      const s = changes.summary;
      status.textContent =
        `${plural(s.sections_changed, "section", "sections")} changed, ` +
        `${plural(s.paragraphs_added, "paragraph", "paragraphs")} added, ${s.paragraphs_removed} removed, ` +
        `${s.paragraphs_changed} changed since ${changes.other.id} (${formatDate(changes.other.date)}).`;
      sections.replaceChildren(...changes.sections.map((section) => this._changedSection(section)));
    }

    /** One changed section: its title and pages, then its paragraphs added, removed, changed. */
    _changedSection(section) {
      const where = section.page ? `page ${section.page}` : `was page ${section.other_page}`;
      const change = section.change === "changed" ? "" : `, ${section.change}`;
      return el(
        "section",
        { class: "changed-section" },
        el("h3", {}, section.title, el("span", { class: "change-where" }, ` (${where}${change})`)),
        el("ul", { class: "change-list" }, section.paragraphs.map((p) => this._changedParagraph(p))),
      );
    }

    /** One paragraph change: a text label ("Added, page 3:") and the text in <ins> or <del>;
     * a changed paragraph's words in <ins> and <del> with hidden labels for screen readers. */
    _changedParagraph(p) {
      const label = (text) => el("span", { class: "change-label" }, text);
      const hidden = (text) => el("span", { class: "visually-hidden" }, text);
      if (p.change === "added") return el("li", {}, label(`Added, page ${p.page}:`), el("ins", {}, p.text));
      if (p.change === "removed") return el("li", {}, label(`Removed, was page ${p.other_page}:`), el("del", {}, p.other_text));
      const words = p.segments.map((segment, i) => {
        const space = i ? " " : "";
        if (segment.op === "added") return [space, el("ins", {}, hidden("[added: "), segment.text, hidden("]"))];
        if (segment.op === "removed") return [space, el("del", {}, hidden("[removed: "), segment.text, hidden("]"))];
        return [space, segment.text];
      });
      return el("li", {}, label(`Changed, page ${p.page} (was page ${p.other_page}):`), words.flat());
    }

    /** The panel's body scrolled to show `node` at its top (scrollIntoView would move the
     * dialog too). */
    _scrollPanelTo(node) {
      const body = this._docBody;
      body.scrollTop += node.getBoundingClientRect().top - body.getBoundingClientRect().top;
    }

    async _showPage(record, pages, matched, number, area, id, focusText = false) {
      const index = pages.indexOf(number);
      const move = (n) => () => this._showPage(record, pages, matched, n, area, id);
      this._pageNav = (step, event) => {
        const next = pages[index + step];
        if (next !== undefined) {
          event.preventDefault();
          move(next)();
        }
      };
      const nav = el(
        "div",
        { class: "page-nav", part: "document-pages", role: "group", "aria-label": "Pages" },
        el("button", { type: "button", "aria-label": "Previous page", disabled: index <= 0, onclick: move(pages[index - 1]) }, "‹"),
        pages.map((n) =>
          el(
            "button",
            {
              type: "button",
              class: matched.has(n) ? "matched" : null,
              "aria-label": `Page ${n}${matched.has(n) ? " (matches)" : ""}`,
              "aria-current": n === number ? "page" : null,
              onclick: move(n),
            },
            String(n),
          ),
        ),
        el("button", { type: "button", "aria-label": "Next page", disabled: index >= pages.length - 1, onclick: move(pages[index + 1]) }, "›"),
      );
      const ref = (record.pages || []).find((p) => p.number === number);
      const pdfHref = ref && ref.pdf ? this._apiHref(`${ref.pdf}#page=${number}`) : null;
      const pageLink = pdfHref
        ? el(
            "p",
            { class: "originals", part: "originals" },
            el("a", { class: "pdf-page-link", part: "pdf-link", href: pdfHref, target: "_blank", rel: "noopener" }, `Open page ${number} in the PDF`),
          )
        : null;
      const text = el("div", { class: "page-text", part: "document-text", tabindex: "0", "aria-label": `Page ${number} text` }, "Loading…");
      const hadFocus = area.contains(this._root.activeElement) ? this._root.activeElement.getAttribute("aria-label") : null;
      area.replaceChildren(...present(el("h3", { class: "visually-hidden" }, `Page ${number}`), nav, pageLink, text));
      if (hadFocus) {
        const again = [...nav.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === hadFocus && !b.disabled);
        (again || nav.querySelector('[aria-current="page"]')).focus();
      } else if (focusText) {
        this._scrollPanelTo(area);
        text.focus({ preventScroll: true });
      }
      let page;
      try {
        const query = this._lastQuery ? [["q", this._lastQuery]] : [];
        if (this._lastQuery && this._lastPrefix) query.push(["prefix", "true"]);
        if (record.source) query.push(["source", record.source]);
        page = await this._get(`api/documents/${encodeURIComponent(record.id)}/pages/${number}`, query);
      } catch (error) {
        if (id !== this._documentId) return;
        console.error(`[privsearch] cannot load page ${number} of ${record.id}: ${error.message}`);
        text.className = "page-text status error";
        text.textContent = `Cannot load page ${number}: ${error.message}.`;
        return;
      }
      if (id !== this._documentId || !text.isConnected) return;
      text.replaceChildren(markedFragment(page.html));
      if (focusText) this._scrollPanelTo(area); // the text now has its height
      const first = text.querySelector("mark");
      if (first) text.scrollTop = Math.max(0, first.offsetTop - text.offsetTop - 40);
    }
  }

  customElements.define(TAG, PrivsearchSearch);
})();
