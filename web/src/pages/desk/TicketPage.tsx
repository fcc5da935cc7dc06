/** One ticket's thread: messages and attachments from both sides, a reply, a file, closing it. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { useAuth } from '../../app/auth.tsx';
import { useLiveEvent } from '../../app/live-events.ts';
import { Link } from '../../app/router.tsx';
import { ActionButton, ErrorBanner, Loading, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { TicketStatus } from './DeskPage.tsx';

export function TicketPage({ ticketId }: { ticketId: string }) {
  const { t, dateTime } = useI18n();
  const { user } = useAuth();
  const ticket = useLoad(() => api.ticket(ticketId), [ticketId]);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  useLiveEvent('notification', (n) => {
    if (n.payload.ticketId === ticketId) ticket.reload();
  });
  if (ticket.error) return <ErrorBanner error={ticket.error} />;
  const data = ticket.data;
  if (!data) return <Loading />;
  const mayWrite = data.status !== 'closed' && user?.role !== 'supervisor' && user?.role !== 'admin';
  return (
    <div className="page ticket-page">
      <p>
        <Link to="/desk">← {t('desk.title')}</Link>
      </p>
      <h1>{data.title}</h1>
      <p className="form-meta">
        <TicketStatus status={data.status} /> <span className="muted">{data.enterpriseName}</span>
        {data.minutesToAnswer !== null && <span className="muted"> · {t('ticket.answeredIn', { n: data.minutesToAnswer })}</span>}
      </p>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <ol className="thread" data-testid="ticket-thread">
        {data.messages.map((m) => (
          <li key={m.id} className={m.fromCustoms ? 'from-customs' : 'from-enterprise'}>
            <div className="muted small">
              {m.author} · {m.fromCustoms ? t('ticket.customs') : t('ticket.enterprise')} · {dateTime(m.createdAt)}
            </div>
            {m.text && <div className="message-text">{m.text}</div>}
            {m.attachment && (
              <a href={`/api/tickets/${data.id}/attachments/${m.id}`} download={m.attachment.name}>
                📎 {m.attachment.name} ({Math.ceil(m.attachment.size / 1024)} KB)
              </a>
            )}
          </li>
        ))}
      </ol>
      {mayWrite && (
        <div className="note-form">
          <textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} maxLength={10_000} placeholder={t('ticket.reply')} data-testid="ticket-reply" />
          <div className="form-actions">
            <ActionButton
              disabled={text.trim() === ''}
              action={async () => {
                await api.replyTicket(data.id, text.trim());
                setText('');
                ticket.reload();
              }}
              onError={setError}
              data-testid="ticket-send"
            >
              {t('ticket.send')}
            </ActionButton>
            <label className="button secondary">
              {t('ticket.attach')}
              <input
                type="file"
                hidden
                onChange={async (e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (!file) return;
                  try {
                    await api.attachToTicket(data.id, file);
                    ticket.reload();
                  } catch (err) {
                    setError(err);
                  }
                }}
              />
            </label>
            <ActionButton
              className="secondary"
              action={async () => {
                await api.closeTicket(data.id);
                ticket.reload();
              }}
              onError={setError}
            >
              {t('ticket.close')}
            </ActionButton>
          </div>
        </div>
      )}
    </div>
  );
}
