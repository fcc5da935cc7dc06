/**
 * One farm form of one day. The farm fills it in (a draft keeps what is there; submitting checks it whole,
 * here first with the server's own check, then on the server) and corrects a submitted one with a reason;
 * every submitted version stays readable. Officers of the port read it, comment, and return it for correction.
 */
import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { checkEntry, type EntryError } from '../../api/types.ts';
import { useAuth } from '../../app/auth.tsx';
import { Link } from '../../app/router.tsx';
import { ActionButton, ErrorBanner, Loading, Modal, useLoad } from '../../components/common.tsx';
import { FormFields, useLocalised, type FormValues } from '../../components/FormFields.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { farmTime, FormStateBadge } from './FarmFormsPage.tsx';

export function FormEntryPage({ siteId, formKey, day }: { siteId: string; formKey: string; day: string }) {
  const { t, dateTime, locale } = useI18n();
  const say = useLocalised();
  const { user } = useAuth();
  const loaded = useLoad(() => api.formEntry(siteId, formKey, day), [siteId, formKey, day]);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<EntryError[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [correcting, setCorrecting] = useState(false);
  const [reason, setReason] = useState('');
  const [viewing, setViewing] = useState<number | null>(null);
  const entry = loaded.data?.entry ?? null;
  const definition = loaded.data?.definition;

  useEffect(() => {
    setValues((loaded.data?.entry?.values as FormValues | undefined) ?? {});
    setErrors([]);
  }, [loaded.data]);

  if (loaded.error) return <ErrorBanner error={loaded.error} />;
  if (!definition) return <Loading />;

  const farmSide = user?.role === 'enterprise_user' || user?.role === 'broker';
  const reviewer = user?.role === 'officer' || user?.role === 'supervisor';
  const submitted = entry?.status === 'submitted' || entry?.status === 'returned';
  const editable = farmSide && (!submitted || correcting);
  const lastReturn = entry?.status === 'returned' ? [...entry.notes].reverse().find((n) => n.returned) : undefined;

  /** Sends when the shared check passes; a refusal's field-level problems go under their fields. */
  const send = async (action: 'draft' | 'submit' | 'correct') => {
    setSaved(null);
    const local = checkEntry(definition, values, { draft: action === 'draft' });
    if (!local.ok) {
      setErrors(local.errors);
      setError(null);
      return;
    }
    try {
      if (action === 'draft') await api.saveFormDraft(siteId, formKey, day, values);
      else if (action === 'submit') await api.submitForm(siteId, formKey, day, values);
      else await api.correctForm(siteId, formKey, day, values, reason);
      setErrors([]);
      setError(null);
      setCorrecting(false);
      setReason('');
      setSaved(action === 'draft' ? t('forms.draftSaved') : t('forms.submittedNow'));
      loaded.reload();
    } catch (err) {
      // A refused form: its problems go under their fields (the banner above says how many).
      if (err instanceof ApiError && Array.isArray(err.details) && err.reason === 'form_invalid') {
        setErrors(err.details as EntryError[]);
        setError(null);
        return;
      }
      setError(err);
    }
  };

  return (
    <div className="page form-entry">
      <p>
        <Link to={`/forms?farm=${siteId}&day=${day}`}>← {t('forms.back')}</Link>
      </p>
      <h1>{say(definition.title)}</h1>
      <p className="muted">
        {loaded.data?.site.name} · {loaded.data?.site.enterpriseName}
      </p>
      <p className="form-meta">
        <span>{day}</span> <FormStateBadge state={entry?.state ?? 'missing'} />
        {entry?.dueAt && <span className="muted"> · {t('forms.dueBy', { time: farmTime(entry.dueAt, loaded.data!.site.timeZone, locale) })}</span>}
        <span className="muted"> · {t('forms.version', { version: definition.version })}</span>
        {entry && entry.revision > 0 && <span className="muted"> · {t('forms.revisionNumber', { n: entry.revision })}</span>}
      </p>
      {definition.description && <p className="muted">{say(definition.description)}</p>}
      {lastReturn && (
        <div className="banner banner-warn" role="status" data-testid="form-returned">
          {t('forms.returnedBy', { who: lastReturn.author })}: {lastReturn.text}
        </div>
      )}
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {errors.length > 0 && !error && <div className="banner banner-error">{t('error.reason.form_invalid', { count: errors.length })}</div>}
      {saved && (
        <div className="banner banner-ok" role="status">
          {saved}
        </div>
      )}
      <FormFields definition={definition} values={values} onChange={setValues} errors={errors} readOnly={!editable} />

      {farmSide && (
        <div className="form-actions">
          {!submitted && (
            <>
              <ActionButton className="secondary" action={() => send('draft')} onError={setError} data-testid="form-save-draft">
                {t('forms.saveDraft')}
              </ActionButton>
              <ActionButton action={() => send('submit')} onError={setError} data-testid="form-submit">
                {t('forms.submit')}
              </ActionButton>
            </>
          )}
          {submitted && !correcting && (
            <button type="button" onClick={() => setCorrecting(true)} data-testid="form-correct">
              {t('forms.correct')}
            </button>
          )}
          {submitted && correcting && (
            <>
              <label className="reason">
                {t('forms.reason')}
                <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} placeholder={t('forms.reasonHint')} data-testid="form-reason" />
              </label>
              <ActionButton action={() => send('correct')} onError={setError} disabled={reason.trim().length < 3} data-testid="form-submit-correction">
                {t('forms.submitCorrection')}
              </ActionButton>
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setCorrecting(false);
                  setValues((entry?.values as FormValues | undefined) ?? {});
                  setErrors([]);
                }}
              >
                {t('common.cancel')}
              </button>
            </>
          )}
        </div>
      )}

      {entry && entry.revisions.length > 0 && (
        <>
          <h2>{t('forms.revisions')}</h2>
          <ol className="revisions">
            {entry.revisions.map((r) => (
              <li key={r.revision}>
                {t('forms.revisionLine', { n: r.revision, who: r.submittedBy, at: dateTime(r.submittedAt) })}
                {r.reason ? ` — ${r.reason}` : ''}{' '}
                <button type="button" className="secondary small" onClick={() => setViewing(r.revision)}>
                  {t('forms.viewRevision')}
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
      {viewing !== null && <RevisionModal siteId={siteId} formKey={formKey} day={day} revision={viewing} onClose={() => setViewing(null)} />}

      {entry && (
        <>
          <h2>{t('forms.notes')}</h2>
          {entry.notes.length === 0 && <p className="muted">{t('forms.noNotes')}</p>}
          <ul className="notes" data-testid="form-notes">
            {entry.notes.map((n) => (
              <li key={n.id}>
                <strong>{n.author}</strong> <span className="muted">{dateTime(n.createdAt)}</span>
                {n.returned && <span className="badge form-state-returned">{t('forms.state.returned')}</span>}
                <div>{n.text}</div>
              </li>
            ))}
          </ul>
          {reviewer && <NoteForm canReturn={entry.status === 'submitted'} onSend={async (text, back) => (await api.noteForm(siteId, formKey, day, text, back), loaded.reload())} onError={setError} />}
        </>
      )}
    </div>
  );
}

function NoteForm({ canReturn, onSend, onError }: { canReturn: boolean; onSend: (text: string, returnForCorrection: boolean) => Promise<unknown>; onError: (err: unknown) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [back, setBack] = useState(false);
  return (
    <div className="note-form">
      <textarea value={text} onChange={(e) => setText(e.target.value)} maxLength={2000} rows={2} placeholder={t('forms.note')} data-testid="form-note" />
      {canReturn && (
        <label className="inline">
          <input type="checkbox" checked={back} onChange={(e) => setBack(e.target.checked)} /> {t('forms.returnForCorrection')}
        </label>
      )}
      <ActionButton
        disabled={text.trim() === ''}
        action={async () => {
          await onSend(text.trim(), back && canReturn);
          setText('');
          setBack(false);
        }}
        onError={onError}
      >
        {t('forms.addNote')}
      </ActionButton>
    </div>
  );
}

function RevisionModal({ siteId, formKey, day, revision, onClose }: { siteId: string; formKey: string; day: string; revision: number; onClose: () => void }) {
  const { t } = useI18n();
  const loaded = useLoad(() => api.formRevision(siteId, formKey, day, revision), [revision]);
  return (
    <Modal title={t('forms.revisionNumber', { n: revision })} onClose={onClose} wide>
      <ErrorBanner error={loaded.error} />
      {loaded.data ? (
        <>
          {loaded.data.reason && <p className="muted">{loaded.data.reason}</p>}
          <FormFields definition={loaded.data.definition} values={loaded.data.values} errors={[]} readOnly />
        </>
      ) : (
        <Loading />
      )}
    </Modal>
  );
}
