/** The officer's day: live sessions to enter, open alarms, requests to take, today's and upcoming inspections, and what finished today. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { Alarm, ArchiveEntry, Booking, FarmAlarm, OverdueForms, RectificationSummary, TicketSummary } from '../../api/types.ts';
import { useAuth } from '../../app/auth.tsx';
import { useLiveEvent } from '../../app/live-events.ts';
import { Link, useRouter } from '../../app/router.tsx';
import { ActionButton, Empty, ErrorBanner, Loading, LocalDateInput, Modal, RectificationBadge, StatusBadge, toLocalInput, useLoad, VerdictBadge } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

const OPEN = 'requested,proposed,confirmed,in_progress';

export function OfficerHome() {
  const { t } = useI18n();
  const bookings = useLoad(() => api.bookings({ status: OPEN, limit: 100 }), []);
  const openAlarms = useLoad(() => api.openAlarms(), []);
  const farmAlarms = useLoad(() => api.reviewQueue({ state: 'unreviewed', limit: 20 }), []);
  useLiveEvent('alarm:changed', ({ alarm }) => {
    if (alarm.sessionId) openAlarms.reload();
    else farmAlarms.reload();
  });
  const overdueForms = useLoad(() => api.overdueForms(), []);
  const waitingTickets = useLoad(() => api.tickets('open'), []);
  useLiveEvent('notification', (n) => n.kind.startsWith('ticket.') && waitingTickets.reload());
  const rectifications = useLoad(() => api.rectifications(), []);
  useLiveEvent('notification', (n) => n.kind.startsWith('rectification.') && rectifications.reload());
  const startOfToday = new Date();
  startOfToday.setHours(0, 0, 0, 0);
  const finishedToday = useLoad(() => api.archive({ from: startOfToday.toISOString(), limit: 50 }), []);
  const [error, setError] = useState<unknown>(null);
  const [proposing, setProposing] = useState<Booking | null>(null);
  useLiveEvent('booking:changed', () => {
    bookings.reload();
    finishedToday.reload();
  });

  const items = bookings.data?.items ?? [];
  const endOfToday = new Date();
  endOfToday.setHours(23, 59, 59, 999);
  const groups: Array<{ title: string; items: Booking[]; testId: string }> = [
    { title: t('officer.live'), items: items.filter((b) => b.status === 'in_progress'), testId: 'live' },
    { title: t('officer.requests'), items: items.filter((b) => b.status === 'requested' || b.status === 'proposed'), testId: 'requests' },
    { title: t('officer.today'), items: items.filter((b) => b.status === 'confirmed' && new Date(b.slotStart) <= endOfToday), testId: 'today' },
    { title: t('officer.upcoming'), items: items.filter((b) => b.status === 'confirmed' && new Date(b.slotStart) > endOfToday), testId: 'upcoming' },
  ];

  return (
    <div className="page">
      <h1>{t('officer.title')}</h1>
      <ErrorBanner error={error ?? bookings.error ?? openAlarms.error ?? farmAlarms.error ?? finishedToday.error} onClose={() => setError(null)} />
      {bookings.loading && !bookings.data && <Loading />}
      <OpenAlarms alarms={openAlarms.data ?? []} bookings={items} farm={farmAlarms.data?.items ?? []} farmTotal={farmAlarms.data?.total ?? 0} />
      <OverdueFarmForms overdue={overdueForms.data?.overdue ?? []} />
      <WaitingTickets tickets={waitingTickets.data ?? []} />
      <RectificationsToFollow items={rectifications.data ?? []} onChanged={() => rectifications.reload()} onError={setError} />
      {groups.map((g) => (
        <section key={g.testId} data-testid={`group-${g.testId}`}>
          <h2>
            {g.title} <span className="count">{g.items.length}</span>
          </h2>
          {g.items.length === 0 ? (
            <Empty>{t('officer.none')}</Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>{t('booking.slot')}</th>
                  <th>{t('booking.declaration')}</th>
                  <th>{t('booking.enterprise')}</th>
                  <th>{t('booking.type')}</th>
                  <th>{t('booking.status')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {g.items.map((b) => (
                  <BookingRow
                    key={b.id}
                    booking={b}
                    onChanged={() => {
                      // A success replaces the last failure: its banner would otherwise stay.
                      setError(null);
                      bookings.reload();
                    }}
                    onError={setError}
                    onPropose={() => setProposing(b)}
                  />
                ))}
              </tbody>
            </table>
          )}
        </section>
      ))}
      <FinishedToday entries={(finishedToday.data?.items ?? []).filter((e) => e.endedAt)} />
      {proposing && (
        <ProposeSlot
          booking={proposing}
          onClose={() => setProposing(null)}
          onDone={() => {
            setProposing(null);
            bookings.reload();
          }}
        />
      )}
    </div>
  );
}

function BookingRow({ booking: b, onChanged, onError, onPropose }: { booking: Booking; onChanged: () => void; onError: (e: unknown) => void; onPropose: () => void }) {
  const { t, dateTime, clock } = useI18n();
  const { user } = useAuth();
  const { navigate } = useRouter();
  const mine = b.officerId === user?.userId;
  return (
    <tr data-testid="booking-row" data-booking={b.id}>
      <td>
        {dateTime(b.slotStart)} – {clock(b.slotEnd)}
      </td>
      <td>
        {b.declarationNumber}
        {b.note && (
          <p className="small muted" data-testid="booking-note">
            {t('booking.noteFromEnterprise', { note: b.note })}
          </p>
        )}
      </td>
      <td>{b.enterpriseName}</td>
      <td>{t(`type.${b.type}`)}</td>
      <td>
        <StatusBadge status={b.status} />
        {b.vehiclePlate && <span className="muted"> · {b.vehiclePlate}</span>}
      </td>
      <td className="actions">
        {b.status === 'requested' && (
          <>
            <ActionButton action={() => api.bookingAction(b.id, 'confirm').then(onChanged)} onError={onError}>
              {t('booking.confirm')}
            </ActionButton>
            <button className="secondary" onClick={onPropose}>
              {t('booking.propose')}
            </button>
          </>
        )}
        {b.status === 'confirmed' && mine && (
          <>
            <ActionButton
              action={async () => {
                const started = await api.bookingAction(b.id, 'start');
                navigate(`/officer/session/${started.sessionId}`);
              }}
              onError={onError}
            >
              {t('booking.start')}
            </ActionButton>
            {/* A no-show can be recorded only once the slot has begun, and only when the officer says so twice. */}
            {new Date(b.slotStart).getTime() <= Date.now() && (
              <ActionButton
                className="secondary"
                action={async () => {
                  if (window.confirm(t('booking.noShowConfirm', { enterprise: b.enterpriseName }))) await api.bookingAction(b.id, 'no-show').then(onChanged);
                }}
                onError={onError}
              >
                {t('booking.noShow')}
              </ActionButton>
            )}
          </>
        )}
        {b.status === 'in_progress' && b.sessionId && mine && (
          <Link to={`/officer/session/${b.sessionId}`} className="button">
            {t('booking.enter')}
          </Link>
        )}
        {['requested', 'proposed', 'confirmed'].includes(b.status) && (
          <ActionButton className="secondary danger" action={() => api.bookingAction(b.id, 'cancel').then(onChanged)} onError={onError}>
            {t('booking.cancel')}
          </ActionButton>
        )}
      </td>
    </tr>
  );
}

function ProposeSlot({ booking, onClose, onDone }: { booking: Booking; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const [start, setStart] = useState(toLocalInput(new Date(new Date(booking.slotStart).getTime() + 3_600_000)));
  const minutes = Math.round((new Date(booking.slotEnd).getTime() - new Date(booking.slotStart).getTime()) / 60_000);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Modal title={t('booking.proposeTitle', { number: booking.declarationNumber })} onClose={onClose}>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const slotStart = new Date(start);
            await api.proposeSlot(booking.id, { slotStart: slotStart.toISOString(), slotEnd: new Date(slotStart.getTime() + minutes * 60_000).toISOString(), reason: reason || undefined });
            onDone();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <ErrorBanner error={error} />
        <label>
          {t('booking.newStart')}
          <LocalDateInput name="slotStart" type="datetime-local" value={start} onChange={setStart} required />
        </label>
        <label>
          {t('booking.reasonLabel')}
          <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
        </label>
        <div className="actions">
          <button type="submit">{t('booking.propose')}</button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * Open incidents: those of the officer's and the port's running sessions, each a link into its console, and
 * the port's supervised farms' not yet reviewed, each a link into the review queue.
 */
function OpenAlarms({ alarms, bookings, farm, farmTotal }: { alarms: Alarm[]; bookings: Booking[]; farm: FarmAlarm[]; farmTotal: number }) {
  const { t, tMaybe, time } = useI18n();
  const declarationOf = (sessionId: string | null) => bookings.find((b) => b.sessionId === sessionId)?.declarationNumber ?? '';
  const total = alarms.length + farmTotal;
  return (
    <section data-testid="group-alarms">
      <h2>
        {t('officer.openAlarms')} <span className={total > 0 ? 'count alarm-badge' : 'count'}>{total}</span>
      </h2>
      {total === 0 ? (
        <Empty>{t('officer.noOpenAlarms')}</Empty>
      ) : (
        <ul className="cards">
          {alarms.slice(0, 20).map((a) => (
            <li key={a.id} className="card alarm-card" data-testid="open-alarm">
              <strong>{tMaybe(`rule.${a.rule}`) ?? a.rule}</strong> <span className="muted">{declarationOf(a.sessionId)}</span>
              <p className="muted small">{t('console.occurrences', { n: a.occurrences, time: time(a.lastSeenAt) })}</p>
              {a.sessionId && <Link to={`/officer/session/${a.sessionId}`}>{t('officer.openConsole')}</Link>}
            </li>
          ))}
          {farm.map((a) => (
            <li key={a.id} className="card alarm-card" data-testid="open-farm-alarm">
              <strong>{tMaybe(`rule.${a.rule}`) ?? a.rule}</strong>{' '}
              <span className="muted">
                {a.siteName}
                {a.cameraName ? ` · ${a.cameraName}` : ''}
              </span>
              <p className="muted small">{t('console.occurrences', { n: a.occurrences, time: time(a.lastSeenAt) })}</p>
              <Link to={`/review?siteId=${a.siteId ?? ''}`}>{t('officer.openReview')}</Link>
            </li>
          ))}
          {farmTotal > farm.length && (
            <li className="card">
              <Link to="/review">{t('officer.moreFarmAlarms', { n: farmTotal - farm.length })}</Link>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}

/** Farms' daily forms past due and past the grace period: the port's farms, oldest day first. */
function OverdueFarmForms({ overdue }: { overdue: OverdueForms[] }) {
  const { t } = useI18n();
  return (
    <section data-testid="group-overdue-forms">
      <h2>
        {t('forms.overdueTitle')} <span className={overdue.length > 0 ? 'count alarm-badge' : 'count'}>{overdue.length}</span>
      </h2>
      {overdue.length === 0 ? (
        <Empty>{t('forms.overdueNone')}</Empty>
      ) : (
        <ul className="cards">
          {overdue.slice(0, 30).map((o) => (
            <li key={`${o.siteId}/${o.day}`} className="card" data-testid="overdue-form">
              <strong>{o.siteName}</strong> <span className="muted">{o.enterpriseName}</span>
              <p className="small">{t('forms.overdueLine', { day: o.day, count: o.forms.length })}</p>
              <Link to={`/forms?farm=${o.siteId}&day=${o.day}`}>{t('forms.open')}</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Enterprises' questions waiting for the port's answer, oldest activity last. */
function WaitingTickets({ tickets }: { tickets: TicketSummary[] }) {
  const { t, dateTime } = useI18n();
  return (
    <section data-testid="group-tickets">
      <h2>
        {t('ticket.waiting')} <span className={tickets.length > 0 ? 'count alarm-badge' : 'count'}>{tickets.length}</span>
      </h2>
      {tickets.length === 0 ? (
        <Empty>{t('ticket.noneWaiting')}</Empty>
      ) : (
        <ul className="cards">
          {tickets.slice(0, 30).map((ticket) => (
            <li key={ticket.id} className="card" data-testid="waiting-ticket">
              <Link to={`/desk/tickets/${ticket.id}`}>{ticket.title}</Link>
              <p className="muted small">
                {ticket.enterpriseName} · {dateTime(ticket.updatedAt)}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Rectifications the enterprises reported done (to accept or return) and those past their due day. */
function RectificationsToFollow({ items, onChanged, onError }: { items: RectificationSummary[]; onChanged: () => void; onError: (e: unknown) => void }) {
  const { t, dateOnly } = useI18n();
  const [returning, setReturning] = useState<RectificationSummary | null>(null);
  const [note, setNote] = useState('');
  const shown = items.filter((r) => r.status === 'reported' || r.overdue);
  return (
    <section data-testid="group-rectifications">
      <h2>
        {t('rectification.toFollow')} <span className={shown.length > 0 ? 'count alarm-badge' : 'count'}>{shown.length}</span>
      </h2>
      {shown.length === 0 ? (
        <Empty>{t('rectification.noneToFollow')}</Empty>
      ) : (
        <ul className="cards">
          {shown.slice(0, 30).map((r) => (
            <li key={r.id} className="card" data-testid="rectification-card">
              <strong>{r.declarationNumber}</strong> <span className="muted">{r.enterpriseName}</span> <RectificationBadge status={r.status} overdue={r.overdue} />
              <p className="small">{r.required}</p>
              <p className="muted small">{t('rectification.dueOn', { day: dateOnly(`${r.dueOn}T00:00`) })}</p>
              {r.status === 'reported' && (
                <div className="actions">
                  <RectificationReport id={r.id} />
                  <ActionButton
                    onError={onError}
                    action={async () => {
                      await api.reviewRectification(r.id, true, '');
                      onChanged();
                    }}
                  >
                    {t('rectification.accept')}
                  </ActionButton>
                  <button type="button" className="secondary" onClick={() => setReturning(r)}>
                    {t('rectification.return')}
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {returning && (
        <Modal title={t('rectification.returnTitle', { number: returning.declarationNumber })} onClose={() => setReturning(null)}>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                await api.reviewRectification(returning.id, false, note);
                setReturning(null);
                setNote('');
                onChanged();
              } catch (err) {
                onError(err);
              }
            }}
          >
            <label>
              {t('rectification.stillToDo')}
              <textarea name="note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={5000} required />
            </label>
            <div className="actions">
              <button type="submit">{t('rectification.return')}</button>
            </div>
          </form>
        </Modal>
      )}
    </section>
  );
}

/** What the enterprise last reported, read when the officer opens it. */
function RectificationReport({ id }: { id: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const detail = useLoad(() => (open ? api.rectification(id) : Promise.resolve(null)), [open, id]);
  const report = detail.data?.steps.filter((s) => s.kind === 'reported').at(-1);
  return (
    <details onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>{t('rectification.readReport')}</summary>
      {report ? <p className="small">{report.text}</p> : <Loading />}
    </details>
  );
}

/** Sessions that ended today (the officer's and the port's), with their verdicts: the rest is in the history. */
function FinishedToday({ entries }: { entries: ArchiveEntry[] }) {
  const { t, clock } = useI18n();
  return (
    <section data-testid="group-finished">
      <h2>
        {t('officer.finishedToday')} <span className="count">{entries.length}</span>
      </h2>
      {entries.length === 0 ? (
        <Empty>{t('officer.none')}</Empty>
      ) : (
        <table className="table">
          <tbody>
            {entries.map((e) => (
              <tr key={e.sessionId} data-testid="finished-row">
                <td>
                  <Link to={`/archive/session/${e.sessionId}`}>
                    {clock(e.startedAt)} – {e.endedAt ? clock(e.endedAt) : ''}
                  </Link>
                </td>
                <td>{e.declarationNumber}</td>
                <td>{e.enterpriseName}</td>
                <td>{e.officerName ?? '—'}</td>
                <td>
                  <VerdictBadge outcome={e.verdict} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Link to="/archive">{t('officer.allHistory')}</Link>
    </section>
  );
}
