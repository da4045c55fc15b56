/* E-Sambat report form: progressive enhancement only; the form works without
   it. Each feature is skipped when its element is missing. ES2017, no build. */
(() => {
'use strict';
const form = document.getElementById('report-form');
if (!form) return;

const $ = (id) => document.getElementById(id);
const field = (n) => form.elements.namedItem(n);
const attr = (e, a, d) => (e && e.getAttribute(a)) || d;
const fmt = (t, v) => String(t).replace(/\{(\w+)\}/g, (m, k) => (k in v ? v[k] : m));
const el = (tag, attrs, text) => {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  return e;
};
const safeURL = (u) => {
  try {
    const p = new URL(u, location.href);
    if (/^https?:$/.test(p.protocol)) return p.href;
  } catch (e) { /* not a URL */ }
};

const btn = $('submit-btn');
const latIn = field('lat'), lngIn = field('lng');
const category = field('category');
const juris = $('jurisdiction'), nearby = $('nearby');
let blocked = false, busy = false;

/* Description counter */
const desc = field('description'), counter = $('description-count');
if (desc && counter) {
  const max = desc.maxLength > 0 ? desc.maxLength : 4000;
  const count = () => { counter.textContent = fmt(attr(counter, 'data-template', '{n}/{max} karakter'), { n: desc.value.length, max }); };
  desc.addEventListener('input', count);
  count();
}

/* On-behalf fieldset; disabled = not validated, not sent */
const behalf = field('on_behalf'), behalfFs = $('on-behalf');
if (behalf && behalfFs && behalf.type === 'checkbox' && !behalfFs.contains(behalf)) {
  const toggle = () => { behalfFs.hidden = behalfFs.disabled = !behalf.checked; };
  behalf.addEventListener('change', toggle);
  toggle();
}

/* Submit blocked while the point is outside the city */
let blockedMsg = null;
const setBlocked = (on) => {
  blocked = on;
  if (!btn) return;
  if (on && !blockedMsg) {
    blockedMsg = el('p', { id: 'submit-blocked', class: 'form-blocked' },
      attr(juris, 'data-msg-blocked', 'Laporan belum dapat dikirim: lokasi di luar wilayah Kota Pasuruan.'));
    btn.insertAdjacentElement('afterend', blockedMsg);
  }
  if (blockedMsg) blockedMsg.hidden = !on;
  btn[on ? 'setAttribute' : 'removeAttribute']('aria-describedby', 'submit-blocked');
  btn.disabled = on || busy;
};

/* GET JSON; only the newest request of each kind is answered */
const seqs = {};
const getJSON = async (key, path, params) => {
  const seq = seqs[key] = (seqs[key] || 0) + 1;
  const q = Object.keys(params).map((k) => k + '=' + encodeURIComponent(params[k])).join('&');
  const r = await fetch(path + '?' + q, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error('http');
  const data = await r.json();
  if (seq !== seqs[key]) throw new Error('stale');
  return data;
};

const point = () => {
  const lat = parseFloat(latIn && latIn.value), lng = parseFloat(lngIn && lngIn.value);
  return isFinite(lat) && isFinite(lng) ? { lat, lng } : null;
};

/* Live jurisdiction check */
const showJuris = (cls, nodes) => {
  if (!juris) return;
  juris.className = cls ? 'notice ' + cls : '';
  juris.textContent = '';
  nodes.forEach((n) => juris.appendChild(n));
  juris.hidden = false;
};
const checkJurisdiction = async (p) => {
  showJuris('', [el('p', {}, attr(juris, 'data-msg-checking', 'Memeriksa lokasi…'))]);
  let j;
  try {
    j = await getJSON('juris', '/api/v1/jurisdiction', p);
  } catch (e) {
    if (e.message === 'stale') return;
    showJuris('', []); // unknown: the server decides on submit
    return setBlocked(false);
  }
  if (j && j.inside) {
    const kel = j.kelurahan || {}, kec = j.kecamatan || {}, sel = field('kelurahan_code');
    showJuris('notice-success', [el('p', {}, fmt(attr(juris, 'data-msg-inside', 'Lokasi: Kelurahan {kel}, Kecamatan {kec}'),
      { kel: kel.name || '', kec: kec.name || '' }))]);
    if (sel && kel.code && sel.value !== kel.code && Array.prototype.some.call(sel.options || [], (o) => o.value === kel.code)) {
      sel.value = kel.code;
      sel.dispatchEvent(new Event('change', { bubbles: true }));
    }
    setBlocked(false);
  } else {
    const ref = (j && j.referral) || {}, href = ref.url && safeURL(ref.url);
    const nodes = [el('p', {}, ref.message || attr(juris, 'data-msg-outside', 'Lokasi ini di luar wilayah Kota Pasuruan.'))];
    if (href) {
      const line = el('p');
      line.appendChild(el('a', { href, rel: 'noopener' }, attr(juris, 'data-msg-outside-link', 'Laporkan di sini')));
      if (ref.name) line.appendChild(document.createTextNode(' (' + ref.name + ')'));
      nodes.push(line);
    }
    showJuris('notice-warning', nodes);
    setBlocked(true);
  }
};

/* Nearby similar reports. Forms can't nest: support forms go in a hidden
   box after the report form; buttons point at them with form="". */
let holder = null;
const distance = (m) => (m < 1000 ? Math.round(m) + ' m'
  : (m / 1000).toFixed(1).replace('.', /^en/.test(document.documentElement.lang) ? '.' : ',') + ' km');
const renderNearby = (reports) => {
  nearby.textContent = '';
  if (!holder) form.insertAdjacentElement('afterend', holder = el('div', { hidden: '' }));
  holder.textContent = '';
  if (!reports.length) return;
  const csrf = field('csrf');
  nearby.appendChild(el('h2', {}, attr(nearby, 'data-heading', 'Laporan serupa di dekat lokasi ini')));
  const ul = nearby.appendChild(el('ul', { class: 'nearby-list' }));
  reports.forEach((r, i) => {
    if (!r || !r.ticket) return;
    const li = ul.appendChild(el('li'));
    const title = li.appendChild(el('p', { class: 'report-card-title' }));
    const href = r.url && safeURL(r.url), label = r.ticket + (r.title ? ' — ' + r.title : '');
    title.appendChild(href ? el('a', { href }, label) : el('span', {}, label));
    const meta = li.appendChild(el('p', { class: 'report-card-meta' }));
    meta.textContent = [r.status_label, r.distance_m >= 0 && distance(r.distance_m)].filter(Boolean).join(' · ');
    const f = holder.appendChild(el('form', { id: 'dukung-form-' + i, method: 'post', action: '/laporan/' + encodeURIComponent(r.ticket) + '/dukung' }));
    f.appendChild(el('input', { type: 'hidden', name: 'csrf', value: csrf ? csrf.value : '' }));
    li.appendChild(el('button', { type: 'submit', form: f.id, class: 'btn-secondary' },
      fmt(attr(nearby, 'data-support-label', 'Dukung laporan ini ({n})'), { n: Number(r.supports) || 0 })));
  });
};
const checkNearby = async (p) => {
  if (!nearby) return;
  if (!p || !category || !category.value) return renderNearby([]);
  try {
    const d = await getJSON('nearby', '/api/v1/reports/nearby', { lat: p.lat, lng: p.lng, category: category.value });
    renderNearby(d && Array.isArray(d.reports) ? d.reports : []);
  } catch (e) { /* silent */ }
};
if (category) category.addEventListener('change', () => checkNearby(point()));

/* Setting the point: map tap/drag, geolocation */
let marker = null, map = null;
const setPoint = (lat, lng, fromMarker) => {
  const p = { lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6 };
  if (latIn) latIn.value = String(p.lat);
  if (lngIn) lngIn.value = String(p.lng);
  if (map && !marker) {
    marker = L.marker([p.lat, p.lng], { draggable: true, autoPan: true }).addTo(map);
    marker.on('dragend', () => { const ll = marker.getLatLng(); setPoint(ll.lat, ll.lng, true); });
  } else if (marker && !fromMarker) marker.setLatLng([p.lat, p.lng]);
  checkJurisdiction(p);
  checkNearby(p);
};

const mapEl = $('map'), tiles = attr(mapEl, 'data-tiles', ''), start = point();
if (tiles && window.L && L.map) {
  try {
    const num = (a, d) => { const v = parseFloat(mapEl.getAttribute(a)); return isFinite(v) ? v : d; };
    map = L.map(mapEl, { scrollWheelZoom: false }).setView(
      start ? [start.lat, start.lng] : [num('data-lat', -7.6453), num('data-lng', 112.9075)],
      start ? 17 : num('data-zoom', 14));
    // Tiles may fail offline; taps and drags still work.
    L.tileLayer(tiles, { attribution: attr(mapEl, 'data-attribution', ''), maxZoom: 19 }).addTo(map);
    mapEl.querySelectorAll('.map-fallback').forEach((n) => { n.hidden = true; });
    map.on('click', (e) => setPoint(e.latlng.lat, e.latlng.lng));
  } catch (e) {
    map = null;
  }
}
// Point kept by a re-rendered form: restore marker, checks, blocked state.
if (start) setPoint(start.lat, start.lng);

const locateBtn = $('locate-btn');
if (locateBtn && navigator.geolocation) {
  locateBtn.hidden = false;
  locateBtn.addEventListener('click', (ev) => {
    ev.preventDefault();
    locateBtn.disabled = true;
    navigator.geolocation.getCurrentPosition((pos) => {
      locateBtn.disabled = false;
      const c = pos.coords;
      if (map) map.setView([c.latitude, c.longitude], Math.max(map.getZoom(), 17));
      setPoint(c.latitude, c.longitude);
    }, () => {
      locateBtn.disabled = false;
      showJuris('notice-warning', [el('p', {}, attr(locateBtn, 'data-error', 'Lokasi Anda tidak dapat ditentukan. Ketuk peta atau pilih kelurahan.'))]);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  });
}

/* Photos: at most 5; big ones downscaled before upload */
const photos = field('photos'), photosErr = $('photos-error');
const maxPhotos = parseInt(attr(photos, 'data-max', ''), 10) || 5;
const isBig = (f) => f.size > 1048576 && /^image\//.test(f.type);
const checkPhotoCount = () => {
  if (!photos || !photos.files) return true;
  const n = photos.files.length, ok = n <= maxPhotos;
  if (photosErr) {
    photosErr.textContent = ok ? '' : fmt(attr(photos, 'data-msg-too-many', 'Kesalahan: maksimal {max} foto; Anda memilih {n}.'), { max: maxPhotos, n });
    photosErr.hidden = false; // an aria-live region: empty, not hidden
  }
  photos.setAttribute('aria-invalid', !ok);
  return ok;
};
if (photos && photos.type === 'file') photos.addEventListener('change', checkPhotoCount);

// Browsers apply EXIF orientation when drawing an <img>.
const downscale = async (file) => {
  const url = URL.createObjectURL(file), img = new Image();
  try {
    await new Promise((ok, fail) => { img.onload = ok; img.onerror = fail; img.src = url; });
  } finally { URL.revokeObjectURL(url); }
  const w = img.naturalWidth, h = img.naturalHeight, k = Math.min(1, 2000 / Math.max(w, h));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(w * k) || 1;
  canvas.height = Math.round(h * k) || 1;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; // transparent PNG areas would turn black
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((res) => canvas.toBlob(res, 'image/jpeg', 0.85));
  if (!blob) throw new Error('toBlob');
  return blob.size < file.size ? [blob, (file.name || 'foto').replace(/\.[^.]*$/, '') + '.jpg'] : [file, file.name];
};

const setBusy = (on) => {
  busy = on;
  if (!btn) return;
  if (!btn.hasAttribute('data-idle-text')) btn.setAttribute('data-idle-text', btn.textContent);
  btn.textContent = on ? attr(btn, 'data-busy-text', 'Mengirim…') : btn.getAttribute('data-idle-text');
  btn.disabled = on || blocked;
};
// Back/forward cache restores a disabled button.
window.addEventListener('pageshow', (e) => { if (e.persisted) setBusy(false); });

const send = async () => {
  const fd = new FormData(form);
  fd.delete('photos');
  for (const f of Array.from(photos.files)) fd.append('photos', ...(isBig(f) ? await downscale(f) : [f, f.name]));
  const resp = await fetch(form.action, {
    method: 'POST', body: fd, credentials: 'same-origin', redirect: 'follow', headers: { Accept: 'text/html' }
  });
  if (resp.redirected) return location.assign(resp.url);
  const html = await resp.text();
  document.open();
  document.write(html);
  document.close();
};

form.addEventListener('submit', (ev) => {
  if (busy || blocked) return ev.preventDefault();
  if (!checkPhotoCount()) {
    ev.preventDefault();
    return photos.focus();
  }
  const big = photos && photos.files && Array.prototype.some.call(photos.files, isBig);
  if (!(big && window.fetch && window.FormData && FormData.prototype.delete && HTMLCanvasElement.prototype.toBlob)) {
    // Plain submission; disable after the browser read the submitter.
    busy = true;
    return setTimeout(() => setBusy(true), 0);
  }
  ev.preventDefault();
  setBusy(true);
  // Any failure: plain submission (server dedups by idem).
  send().catch(() => HTMLFormElement.prototype.submit.call(form));
});
})();
