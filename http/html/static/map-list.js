/* E-Sambat public report map: enhances the server-rendered list with a
   Leaflet map when tiles are configured. Data is shown with textContent only. */
(() => {
  'use strict';
  const el = document.getElementById('report-map');
  const tiles = el && el.getAttribute('data-tiles');
  if (!tiles || !window.L || !L.map) return;

  let points = [];
  try {
    points = JSON.parse(el.getAttribute('data-points') || '[]');
  } catch (e) { /* bad data: map without markers */ }
  if (!Array.isArray(points)) points = [];

  const safeURL = (u) => {
    try {
      const p = new URL(u, location.href);
      if (/^https?:$/.test(p.protocol)) return p.href;
    } catch (e) { /* not a URL */ }
  };
  const num = (a, d) => {
    const v = parseFloat(el.getAttribute(a));
    return isFinite(v) ? v : d;
  };

  let map;
  try {
    map = L.map(el, { scrollWheelZoom: false })
      .setView([num('data-lat', -7.6453), num('data-lng', 112.9075)], num('data-zoom', 13));
    L.tileLayer(tiles, { attribution: el.getAttribute('data-attribution') || '', maxZoom: 19 }).addTo(map);
  } catch (e) {
    return;
  }
  el.querySelectorAll('.map-fallback').forEach((n) => { n.hidden = true; });

  const bounds = [];
  points.forEach((p) => {
    const lat = Number(p && p.lat), lng = Number(p && p.lng);
    if (!isFinite(lat) || !isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) return;
    const box = document.createElement('div');
    const title = document.createElement('strong');
    const href = p.url && safeURL(p.url);
    const link = document.createElement(href ? 'a' : 'span');
    if (href) link.href = href;
    link.textContent = p.title || p.ticket || '';
    title.appendChild(link);
    box.appendChild(title);
    if (p.ticket && p.title) {
      const t = document.createElement('div');
      t.className = 'ticket';
      t.textContent = p.ticket;
      box.appendChild(t);
    }
    L.marker([lat, lng], { title: String(p.title || p.ticket || ''), alt: String(p.ticket || 'Laporan') })
      .bindPopup(box)
      .addTo(map);
    bounds.push([lat, lng]);
  });
  if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  else if (bounds.length === 1) map.setView(bounds[0], 16);
})();
