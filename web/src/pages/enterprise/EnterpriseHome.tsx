/** The enterprise's phone home: its declarations (and registering one), requesting an inspection, and its bookings with their status. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { INSPECTION_TYPES, type Booking, type Declaration } from '../../api/types.ts';
import { Link } from '../../app/router.tsx';
import { useLiveEvent } from '../../app/live-events.ts';
import { ActionButton, Empty, ErrorBanner, Loading, LocalDateInput, Options, StatusBadge, toLocalInput, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

export function EnterpriseHome() {
  const { t, tMaybe, dateTime, dateOnly } = useI18n();
  const declarations = useLoad(() => api.declarations({ limit: 100 }), []);
  const bookings = useLoad(() => api.bookings({ limit: 100 }), []);
  const [requestFor, setRequestFor] = useState<Declaration | null>(null);
  const [registering, setRegistering] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useLiveEvent('booking:changed', () => bookings.reload());

  const active = (bookings.data?.items ?? []).filter((b) => !['completed', 'cancelled', 'no_show'].includes(b.status));
  const past = (bookings.data?.items ?? []).filter((b) => ['completed', 'cancelled', 'no_show'].includes(b.status));

  return (
    <div className="page phone-page">
      <h1>{t('enterprise.title')}</h1>
      <ErrorBanner error={error ?? declarations.error ?? bookings.error} onClose={() => setError(null)} />

      <section>
        <h2>{t('enterprise.bookings')}</h2>
        {bookings.loading && !bookings.data ? <Loading /> : active.length === 0 ? <Empty>{t('enterprise.noBookings')}</Empty> : null}
        <ul className="cards">
          {active.map((b) => (
            <BookingCard
              key={b.id}
              booking={b}
              onChanged={() => {
                setError(null);
                bookings.reload();
              }}
              onError={setError}
            />
          ))}
        </ul>
      </section>

      <section>
        <h2>{t('enterprise.declarations')}</h2>
        {registering ? (
          <DeclarationForm
            onDone={() => {
              setRegistering(false);
              declarations.reload();
            }}
            onCancel={() => setRegistering(false)}
          />
        ) : (
          <button className="secondary" onClick={() => setRegistering(true)} data-testid="register-declaration">
            {t('declaration.register')}
          </button>
        )}
        {declarations.loading && !declarations.data ? <Loading /> : declarations.data?.items.length === 0 ? <Empty>{t('enterprise.noDeclarations')}</Empty> : null}
        <ul className="cards">
          {declarations.data?.items.map((d) => (
            <li key={d.id} className="card" data-testid="declaration">
              <div className="card-title">
                <strong>{d.number}</strong>
              </div>
              <p>{d.goodsDescription}</p>
              <p className="muted">
                {t('declaration.quantity', { quantity: d.declaredQuantity, unit: tMaybe(`unit.${d.quantityUnit.toLowerCase()}`) ?? d.quantityUnit })}
                {d.sealNumbers.length > 0 && ` · ${t('declaration.seals', { seals: d.sealNumbers.join(', ') })}`}
                {d.validUntil && ` · ${t('declaration.validUntilShort', { day: dateOnly(`${d.validUntil}T00:00`) })}`}
              </p>
              <button onClick={() => setRequestFor(d)}>{t('enterprise.requestInspection')}</button>
            </li>
          ))}
        </ul>
      </section>

      {past.length > 0 && (
        <section>
          <h2>{t('enterprise.history')}</h2>
          <ul className="cards">
            {past.map((b) => (
              <li key={b.id} className="card">
                <div className="card-title">
                  <strong>{b.declarationNumber}</strong> <StatusBadge status={b.status} />
                </div>
                <p className="muted">
                  {t(`type.${b.type}`)} · {dateTime(b.slotStart)}
                </p>
                {b.sessionId && b.status === 'completed' && <Link to={`/archive/session/${b.sessionId}`}>{t('enterprise.seeResult')}</Link>}
              </li>
            ))}
          </ul>
        </section>
      )}

      {requestFor && (
        <RequestForm
          declaration={requestFor}
          onDone={() => {
            setRequestFor(null);
            bookings.reload();
          }}
          onCancel={() => setRequestFor(null)}
        />
      )}
    </div>
  );
}

function BookingCard({ booking: b, onChanged, onError }: { booking: Booking; onChanged: () => void; onError: (e: unknown) => void }) {
  const { t, dateTime, clock } = useI18n();
  return (
    <li className="card" data-testid="booking" data-status={b.status}>
      <div className="card-title">
        <strong>{b.declarationNumber}</strong> <StatusBadge status={b.status} />
      </div>
      <p>
        {t(`type.${b.type}`)} · {dateTime(b.slotStart)} – {clock(b.slotEnd)}
      </p>
      {b.officerName && <p className="muted">{t('booking.officer', { name: b.officerName })}</p>}
      {b.statusReason && <p className="muted">{t('booking.reason', { reason: b.statusReason })}</p>}
      <div className="actions">
        {b.status === 'in_progress' && b.sessionId && (
          <Link to={`/enterprise/session/${b.sessionId}`} className="button big">
            {t('enterprise.join')}
          </Link>
        )}
        {b.status === 'proposed' && (
          <ActionButton action={() => api.bookingAction(b.id, 'accept').then(onChanged)} onError={onError}>
            {t('booking.acceptSlot')}
          </ActionButton>
        )}
        {['requested', 'proposed', 'confirmed'].includes(b.status) && (
          <ActionButton className="secondary" action={() => api.bookingAction(b.id, 'cancel').then(onChanged)} onError={onError}>
            {t('booking.cancel')}
          </ActionButton>
        )}
      </div>
    </li>
  );
}

function RequestForm({ declaration, onDone, onCancel }: { declaration: Declaration; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const tomorrow = new Date(Date.now() + 24 * 3_600_000);
  tomorrow.setMinutes(0, 0, 0);
  // Chosen by the enterprise every time: a default would book the wrong kind of inspection unnoticed.
  const [type, setType] = useState<string>('');
  const [start, setStart] = useState(toLocalInput(tomorrow));
  const [minutes, setMinutes] = useState(60);
  const [note, setNote] = useState('');
  const [plate, setPlate] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      className="card form"
      data-testid="request-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          const slotStart = new Date(start);
          await api.requestBooking({
            declarationId: declaration.id,
            type,
            slotStart: slotStart.toISOString(),
            slotEnd: new Date(slotStart.getTime() + minutes * 60_000).toISOString(),
            note: note || undefined,
            vehiclePlate: plate.trim() || undefined,
          });
          onDone();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2>{t('enterprise.requestFor', { number: declaration.number })}</h2>
      <ErrorBanner error={error} />
      <label>
        {t('booking.type')}
        <select name="type" value={type} onChange={(e) => setType(e.target.value)} required>
          <option value="" disabled>
            {t('common.choose')}
          </option>
          <Options items={INSPECTION_TYPES} label={(ty) => t(`type.${ty}`)} />
        </select>
      </label>
      <label>
        {t('booking.preferredStart')}
        <LocalDateInput name="slotStart" type="datetime-local" value={start} onChange={setStart} required />
      </label>
      <label>
        {t('booking.duration')}
        <select name="minutes" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
          {[30, 60, 90, 120].map((m) => (
            <option key={m} value={m}>
              {t('common.minutes', { n: m })}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('booking.vehiclePlate')}
        <input name="vehiclePlate" value={plate} onChange={(e) => setPlate(e.target.value)} placeholder="粤Z·A123港" />
      </label>
      <label>
        {t('booking.note')}
        <textarea name="note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
      </label>
      <div className="actions">
        <button type="submit">{t('booking.send')}</button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Registers a customs declaration the enterprise (or its broker) filed, so that it can be booked for inspection. */
function DeclarationForm({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const enterprises = useLoad(() => api.enterprises(), []);
  const ports = useLoad(() => api.ports(), []);
  const sites = useLoad(() => api.visibleSites(), []);
  const [enterpriseId, setEnterpriseId] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [error, setError] = useState<unknown>(null);
  // A broker acting for several enterprises chooses; an enterprise user has one.
  const chosen = enterpriseId || (enterprises.data?.length === 1 ? enterprises.data[0]!.id : '');
  return (
    <form
      className="card form"
      data-testid="declaration-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const field = (name: string) => String(f.get(name) ?? '').trim();
        setError(null);
        try {
          await api.registerDeclaration({
            number: field('number'),
            enterpriseId: chosen,
            portId: field('portId'),
            siteId: field('siteId') || null,
            goodsDescription: field('goodsDescription'),
            declaredQuantity: Number(field('declaredQuantity')),
            quantityUnit: field('quantityUnit'),
            sealNumbers: field('sealNumbers')
              .split(/[,，;\n]+/)
              .map((s) => s.trim())
              .filter(Boolean),
            validUntil: validUntil || undefined,
          });
          onDone();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2>{t('declaration.register')}</h2>
      <ErrorBanner error={error ?? enterprises.error ?? ports.error ?? sites.error} onClose={() => setError(null)} />
      {(enterprises.data?.length ?? 0) > 1 && (
        <label>
          {t('booking.enterprise')}
          <select name="enterpriseId" value={enterpriseId} onChange={(e) => setEnterpriseId(e.target.value)} required>
            <option value="">{t('common.choose')}</option>
            <Options items={enterprises.data} label={(x) => x.name} value={(x) => x.id} />
          </select>
        </label>
      )}
      <label>
        {t('declaration.number')}
        <input name="number" required pattern="[0-9]{18}" inputMode="numeric" title={t('declaration.numberHint')} placeholder="531620261000012345" />
      </label>
      <label>
        {t('declaration.port')}
        <select name="portId" required defaultValue="">
          <option value="">{t('common.choose')}</option>
          <Options items={ports.data} label={(p) => p.name} value={(p) => p.id} />
        </select>
      </label>
      <label>
        {t('declaration.site')}
        <select name="siteId" defaultValue="">
          <option value="">{t('common.none')}</option>
          <Options items={sites.data?.filter((s) => s.enterpriseId === chosen)} label={(s) => s.name} value={(s) => s.id} />
        </select>
      </label>
      <label>
        {t('declaration.goods')}
        <textarea name="goodsDescription" required maxLength={2000} />
      </label>
      <div className="row">
        <label>
          {t('declaration.quantityLabel')}
          <input name="declaredQuantity" type="number" min="0" step="any" required />
        </label>
        <label>
          {t('declaration.unit')}
          <input name="quantityUnit" required maxLength={20} placeholder={t('declaration.unitExample')} />
        </label>
      </div>
      <label>
        {t('declaration.sealNumbers')}
        <input name="sealNumbers" placeholder="HK-004512, HK-004513" />
      </label>
      <label>
        {t('declaration.validUntil')}
        <LocalDateInput name="validUntil" type="date" value={validUntil} onChange={setValidUntil} />
      </label>
      <div className="actions">
        <button type="submit">{t('declaration.save')}</button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
