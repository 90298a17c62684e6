// A synthetic Dentrix Continuing Care export for the demo (no real patient data).
// Due dates are relative to today so every segment and several skip reasons show.
'use strict';

const PATIENTS = [
  // [name, chart, home, mobile, email, dueOffsetDays, type, appt, status, priorOffsetDays]
  ['Garcia, Maria', 'GA0012', '(801)555-0101', '(801)555-0199', 'maria.garcia@example.com', 12, 'PROPHY', '', 'NotHom', -170],
  ['Garcia, Leo', 'GA0013', '(801)555-0101', '', '', 12, 'PROPHY', '+30', 'AptSCh', -170],
  ['Nguyen, Thi', 'NG0003', '', '(385)555-0142', '', -10, 'PERIO', '+', 'CalBK', -130],
  ["O'Brien, Pat", 'OB0001', '(801)555-0177', '', 'pat.obrien@example.com', -5, 'BWX', '', 'SndCrd', -370],
  ['Okafor, Ada', 'OK0007', '', '(801)555-0123', 'ada.okafor@example.org', -90, 'PROPHY', '', 'NotHom', -270],
  ['Schmidt, Jonas', 'SC0021', '(435)555-0188', '(435)555-0189', '', -200, 'PERIO', '', 'CalBK', -320],
  ['Tanaka, Yui', 'TA0002', '', '(801)555-0150', 'yui.tanaka@example.net', -700, 'PROPHY', '', 'NotHom', -880],
  ['Haddad, Omar', 'HA0009', '', '(385)555-0111', 'omar.haddad@example.com', 25, 'FMX', '', 'CCSet', -1070],
  ['Kowalski, Eva', 'KO0004', '', '', '', -40, 'PROPHY', '', 'NotHom', -220],
  ['Silva, Rafael', 'SI0017', '', '(801)555-0164', 'not-an-email', 90, 'PROPHY', '', 'CCSet', -90],
  ['Brown, Casey', 'BR0030', '(801)555-0135', '', 'casey.brown@example.com', -400, 'BWX', '', 'NotHom', -760],
  ['Ivanova, Mila', 'IV0005', '', '(385)555-0170', 'mila.ivanova@example.org', 3, 'PROPHY', '', 'NotHom', -180],
];

function usDate(date) {
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(date.getUTCDate()).padStart(2, '0');
  return `${mm}/${dd}/${date.getUTCFullYear()}`;
}

function shift(today, days) {
  const d = new Date(Date.UTC(today.getFullYear(), today.getMonth(), today.getDate()));
  d.setUTCDate(d.getUTCDate() + days);
  return d;
}

function csvCell(value) {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The export as CSV text, with report title lines, group lines and a footer. */
function demoExportCsv(today = new Date()) {
  const lines = [
    'Demo Dental Group (synthetic demo data)',
    'Continuing Care List',
    `Due Date Span: ${usDate(shift(today, -900))} - ${usDate(shift(today, 120))}`,
    `Printed: ${usDate(today)} ${today.toISOString().slice(11, 19)}`,
    '',
    'Provider: DDS1 - Demo, Doctor',
    'Name,Chart #,Home Phone,Mobile Phone,Email,Date,Type,Appt?,Status,Prior Treat.',
  ];
  PATIENTS.forEach((p, i) => {
    if (i === 6) lines.push('Provider: HYG1 - Demo, Hygienist');
    const [name, chart, home, mobile, email, due, type, appt, status, prior] = p;
    const apptCell = appt.startsWith('+') && appt.length > 1 ? usDate(shift(today, Number(appt.slice(1)))) : appt;
    lines.push([name, chart, home, mobile, email, usDate(shift(today, due)), type, apptCell, status, usDate(shift(today, prior))]
      .map(csvCell).join(','));
  });
  lines.push('', `Total Patients: ${PATIENTS.length}`, 'Page 1 of 1', '');
  return lines.join('\r\n');
}

module.exports = { demoExportCsv };
