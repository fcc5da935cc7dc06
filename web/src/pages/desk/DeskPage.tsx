/**
 * The desk between enterprises and customs: policy notices (customs publishes, the enterprise reads and
 * acknowledges) and problem tickets (the enterprise asks about a declaration, a booking or in general; the
 * port's officers answer). One page for both sides: what each may do is shown to it.
 */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { RISK_CLASSES, SITE_KINDS, type Notice, type TicketSummary } from '../../api/types.ts';
import { useAuth } from '../../app/auth.tsx';
import { useLiveEvent } from '../../app/live-events.ts';
import { Link, useRouter } from '../../app/router.tsx';
import { ActionButton, Empty, ErrorBanner, Loading, useLoad } from '../../components/common.tsx';
import { EnterpriseChooser } from '../../components/EnterpriseChooser.tsx';
import { useI18n } from '../../i18n/index.tsx';

const LANGS = ['zh-CN', 'en', 'ru'] as const;

/** A notice's text in the reader's language, else the first it was written in. */
export function noticeText(notice: Notice, locale: string) {
  return notice.texts[locale as (typeof LANGS)[number]] ?? notice.texts['zh-CN'] ?? notice.texts.en ?? notice.texts.ru ?? { title: '', body: '' };
}

export function TicketStatus({ status }: { status: string }) {
  const { tMaybe } = useI18n();
  return <span className={`badge ticket-${status}`}>{tMaybe(`ticket.status.${status}`) ?? status}</span>;
}

export function DeskPage() {
  const { t } = useI18n();
  const { user } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const notices = useLoad(() => api.notices(), []);
  const tickets = useLoad(() => api.tickets(), []);
  useLiveEvent('notification', (n) => {
    if (n.kind.startsWith('ticket.')) tickets.reload();
    if (n.kind.startsWith('notice.')) notices.reload();
  });
  const enterpriseSide = user?.role === 'enterprise_user' || user?.role === 'broker';
  return (
    <div className="page desk">
      <h1>{t('desk.title')}</h1>
      <ErrorBanner error={error ?? notices.error ?? tickets.error} onClose={() => setError(null)} />
      <section data-testid="notices">
        <h2>{t('notice.title')}</h2>
        {!enterpriseSide && <PublishNotice onPublished={notices.reload} onError={setError} />}
        {!notices.data ? (
          <Loading />
        ) : notices.data.length === 0 ? (
          <Empty>{t('notice.none')}</Empty>
        ) : (
          <NoticeList notices={notices.data} enterpriseSide={enterpriseSide} onChanged={notices.reload} onError={setError} />
        )}
      </section>
      <section data-testid="tickets">
        <h2>{t('ticket.title')}</h2>
        {enterpriseSide && <RaiseTicket onError={setError} />}
        {!tickets.data ? <Loading /> : tickets.data.length === 0 ? <Empty>{t('ticket.none')}</Empty> : <TicketList tickets={tickets.data} />}
      </section>
    </div>
  );
}

function NoticeList({ notices, enterpriseSide, onChanged, onError }: { notices: Notice[]; enterpriseSide: boolean; onChanged: () => void; onError: (e: unknown) => void }) {
  const { t, locale, dateTime } = useI18n();
  return (
    <ul className="cards notices">
      {notices.map((n) => {
        const text = noticeText(n, locale);
        return (
          <li key={n.id} className={`card notice${enterpriseSide && !n.acknowledgedAt ? ' unread' : ''}`} data-testid="notice">
            <strong>{text.title}</strong> <span className="muted small">{dateTime(n.publishedAt)}</span>
            <p className="notice-body">{text.body}</p>
            {enterpriseSide ? (
              n.acknowledgedAt ? (
                <span className="muted small">{t('notice.acknowledgedAt', { at: dateTime(n.acknowledgedAt) })}</span>
              ) : (
                <ActionButton
                  action={async () => {
                    await api.acknowledgeNotice(n.id);
                    onChanged();
                  }}
                  onError={onError}
                  data-testid="notice-acknowledge"
                >
                  {t('notice.acknowledge')}
                </ActionButton>
              )
            ) : (
              <span className="muted small">{t('notice.acknowledgedBy', { n: n.acknowledged ?? 0 })}</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function PublishNotice({ onPublished, onError }: { onPublished: () => void; onError: (e: unknown) => void }) {
  const { t, tMaybe } = useI18n();
  const { user } = useAuth();
  const [portId, setPortId] = useState<string>(user?.portId ?? '');
  const [classes, setClasses] = useState<string[]>([]);
  const [kinds, setKinds] = useState<string[]>([]);
  const [texts, setTexts] = useState<Record<string, { title: string; body: string }>>({});
  const [done, setDone] = useState<number | null>(null);
  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  const written = Object.fromEntries(Object.entries(texts).filter(([, v]) => v.title.trim() && v.body.trim()));
  return (
    <details className="publish-notice">
      <summary>{t('notice.publish')}</summary>
      <div className="inline-form">
        <PortSelect value={portId} onChange={setPortId} none={t('notice.allPorts')} disabled={user?.role === 'officer'} />
        <fieldset>
          <legend>{t('notice.riskClasses')}</legend>
          {RISK_CLASSES.map((c) => (
            <label key={c} className="check">
              <input type="checkbox" checked={classes.includes(c)} onChange={() => setClasses(toggle(classes, c))} /> {c}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('notice.siteKinds')}</legend>
          {SITE_KINDS.map((k) => (
            <label key={k} className="check">
              <input type="checkbox" checked={kinds.includes(k)} onChange={() => setKinds(toggle(kinds, k))} /> {tMaybe(`siteKind.${k}`) ?? k}
            </label>
          ))}
        </fieldset>
      </div>
      <p className="muted small">{t('notice.everyoneWhenEmpty')}</p>
      {LANGS.map((lang) => (
        <fieldset key={lang} className="notice-language">
          <legend>{lang}</legend>
          <input
            placeholder={t('notice.titleField')}
            value={texts[lang]?.title ?? ''}
            onChange={(e) => setTexts({ ...texts, [lang]: { title: e.target.value, body: texts[lang]?.body ?? '' } })}
            data-testid={`notice-title-${lang}`}
          />
          <textarea
            placeholder={t('notice.body')}
            rows={3}
            value={texts[lang]?.body ?? ''}
            onChange={(e) => setTexts({ ...texts, [lang]: { title: texts[lang]?.title ?? '', body: e.target.value } })}
            data-testid={`notice-body-${lang}`}
          />
        </fieldset>
      ))}
      <ActionButton
        disabled={Object.keys(written).length === 0}
        action={async () => {
          const published = await api.publishNotice({ portId: portId || null, riskClasses: classes, siteKinds: kinds, texts: written });
          setDone(published.enterprises ?? 0);
          setTexts({});
          onPublished();
        }}
        onError={onError}
        data-testid="notice-publish"
      >
        {t('notice.publishButton')}
      </ActionButton>
      {done !== null && <span className="muted"> {t('notice.published', { n: done })}</span>}
    </details>
  );
}

/** A port to pick, with a first choice meaning none (every port, or not chosen yet). */
function PortSelect({ value, onChange, none, disabled, testId }: { value: string; onChange: (portId: string) => void; none: string; disabled?: boolean; testId?: string }) {
  const { t } = useI18n();
  const ports = useLoad(() => api.ports(), []);
  return (
    <label>
      {t('notice.port')}
      <select value={value} onChange={(e) => onChange(e.target.value)} disabled={disabled} data-testid={testId}>
        <option value="">{none}</option>
        {ports.data?.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
}

function RaiseTicket({ onError }: { onError: (e: unknown) => void }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const { navigate } = useRouter();
  const declarations = useLoad(() => api.declarations({ limit: 100 }), []);
  const [about, setAbout] = useState('');
  const [portId, setPortId] = useState('');
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const declaration = declarations.data?.items.find((d) => d.id === about);
  // A broker's general question is asked for one of the enterprises they act for, chosen here.
  const mine = user?.enterpriseIds ?? [];
  const several = mine.length > 1;
  const [forEnterprise, setForEnterprise] = useState('');
  const enterpriseId = declaration?.enterpriseId ?? (several ? forEnterprise : (mine[0] ?? ''));
  return (
    <details className="raise-ticket" open>
      <summary>{t('ticket.raise')}</summary>
      <div className="inline-form">
        <label>
          {t('ticket.about')}
          <select value={about} onChange={(e) => setAbout(e.target.value)} data-testid="ticket-about">
            <option value="">{t('ticket.general')}</option>
            {declarations.data?.items.map((d) => (
              <option key={d.id} value={d.id}>
                {t('ticket.declaration', { number: d.number })}
              </option>
            ))}
          </select>
        </label>
        {!about && several && <EnterpriseChooser value={forEnterprise} onChange={setForEnterprise} none={t('forms.choose')} testId="ticket-enterprise" />}
        {!about && <PortSelect value={portId} onChange={setPortId} none={t('forms.choose')} testId="ticket-port" />}
      </div>
      <input placeholder={t('ticket.titleField')} value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} data-testid="ticket-title" />
      <textarea placeholder={t('ticket.text')} rows={3} value={text} onChange={(e) => setText(e.target.value)} maxLength={10_000} data-testid="ticket-text" />
      <ActionButton
        disabled={title.trim().length < 3 || text.trim() === '' || (!about && !portId) || !enterpriseId}
        action={async () => {
          const ticket = await api.raiseTicket(about ? { enterpriseId, subject: 'declaration', subjectId: about, title, text } : { enterpriseId, subject: 'general', portId, title, text });
          navigate(`/desk/tickets/${ticket.id}`);
        }}
        onError={onError}
        data-testid="ticket-raise"
      >
        {t('ticket.send')}
      </ActionButton>
    </details>
  );
}

function TicketList({ tickets }: { tickets: TicketSummary[] }) {
  const { t, dateTime } = useI18n();
  return (
    <table className="table">
      <thead>
        <tr>
          <th>{t('ticket.titleField')}</th>
          <th>{t('booking.enterprise')}</th>
          <th>{t('ticket.statusLabel')}</th>
          <th>{t('ticket.updated')}</th>
          <th>{t('ticket.timeToAnswer')}</th>
        </tr>
      </thead>
      <tbody>
        {tickets.map((ticket) => (
          <tr key={ticket.id} data-testid="ticket-row">
            <td>
              <Link to={`/desk/tickets/${ticket.id}`}>{ticket.title}</Link>
            </td>
            <td>{ticket.enterpriseName}</td>
            <td>
              <TicketStatus status={ticket.status} />
            </td>
            <td>{dateTime(ticket.updatedAt)}</td>
            <td>{ticket.minutesToAnswer === null ? '—' : t('ticket.minutes', { n: ticket.minutesToAnswer })}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
