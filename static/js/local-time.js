// Times in the visitor's own time zone, with the zone named. The server writes
// them in UTC ("… UTC"); <time data-local> gets its text rewritten, <time
// data-local-title> (whose text says something else, "in 3 hours") its tooltip.
// The title names the zone as the system does, e.g. "Europe/Berlin".

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
  year: "numeric",
  month: "long",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  timeZoneName: "short",
});

function local(time) {
  const when = new Date(time.dateTime);
  return Number.isNaN(when.getTime()) ? null : format.format(when);
}

for (const time of document.querySelectorAll("time[data-local]")) {
  const text = local(time);
  if (text === null) continue;
  time.textContent = text;
  time.title = zone;
}

for (const time of document.querySelectorAll("time[data-local-title]")) {
  const text = local(time);
  if (text !== null) time.title = `${text} (${zone})`;
}
