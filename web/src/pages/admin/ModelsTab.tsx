/**
 * The counting model's installed versions, each with its card (how it was trained, its held-out figures,
 * how it was chosen); the active one is marked and another is made active (or rolled back to) at once.
 */
import { useState } from 'react';
import { api, mediaUrl } from '../../api/client.ts';
import type { VisionSample } from '../../api/types.ts';
import { ActionButton, ErrorBanner, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable } from './admin-forms.tsx';

export function ModelsTab() {
  const { t } = useI18n();
  const models = useLoad(() => api.models(), []);
  const [error, setError] = useState<unknown>(null);
  const active = models.data?.count.active;
  return (
    <section>
      <ErrorBanner error={error ?? models.error} onClose={() => setError(null)} />
      <p className="muted small">{t('models.hint')}</p>
      <AdminTable
        rows={models.data?.count.versions}
        rowKey={(v) => v.id}
        rowClassName={(v) => (v.id === active ? 'active-row' : undefined)}
        columns={[
          { title: 'models.version', cell: (v) => <code>{v.id}</code> },
          { title: 'models.parameters', cell: (v) => v.parameters },
          { title: 'models.trained', cell: (v) => <span className="small">{v.trained}</span> },
          { title: 'models.heldOut', cell: (v) => (v.heldOutMape === null ? '—' : `${v.heldOutMape} %${v.secondHeldOutMape === null ? '' : ` / ${v.secondHeldOutMape} %`}`) },
          { title: 'models.otherRenderer', cell: (v) => (v.otherRendererMape === null ? '—' : `${v.otherRendererMape} %`) },
          { title: 'models.lineCrossing', cell: (v) => v.lineCrossing ?? '—' },
          { title: 'models.chosenBy', cell: (v) => <span className="small">{v.chosenBy}</span> },
          {
            cell: (v) =>
              v.id === active ? (
                <strong data-testid="model-active">{t('models.active')}</strong>
              ) : (
                <ActionButton className="secondary" action={() => api.activateModel(v.id).then(models.reload)} onError={setError} data-action="activate-model">
                  {t('models.activate')}
                </ActionButton>
              ),
          },
        ]}
      />
      {models.data && <p className="muted small">{t('models.textReader', { version: models.data.text })}</p>}
      <LabelledSamples />
    </section>
  );
}

/** What the officers' corrections have collected so far, the latest with their pictures. */
function LabelledSamples() {
  const { t, dateTime } = useI18n();
  const samples = useLoad(() => api.visionSamples(), []);
  const said = (s: VisionSample, which: 'label' | 'predicted') => {
    const v = s[which];
    if (v.task === 'count') return which === 'label' && 'points' in v ? String(v.points.length) : 'count' in v ? String(v.count) : '';
    if (v.task === 'crossing') return 'total' in v ? String(v.total) : 'net' in v ? String(v.net) : '';
    return v.reads.map((r) => r.text).join(', ') || '—';
  };
  return (
    <section data-testid="labelled-samples">
      <h2>{t('models.samples')}</h2>
      <ErrorBanner error={samples.error} />
      <p className="muted small">{t('models.samplesHint')}</p>
      {samples.data && (
        <p className="sample-counts">
          {(['count', 'plate', 'seal', 'crossing'] as const).map((task) => (
            <span key={task} data-testid={`samples-${task}`}>
              {t(`models.sampleTask.${task}`)}: {samples.data!.counts[task]}
            </span>
          ))}
        </p>
      )}
      <AdminTable
        rows={samples.data?.latest}
        rowKey={(s) => s.id}
        columns={[
          { cell: (s) => (s.hasImage ? <img className="sample-thumb" src={mediaUrl.sampleImage(s.id)} alt="" loading="lazy" /> : null) },
          { title: 'models.sampleWhen', cell: (s) => dateTime(s.createdAt) },
          { title: 'models.version', cell: (s) => `${t(`models.sampleTask.${s.task}`)} · ${s.model}` },
          { title: 'models.samplePredicted', cell: (s) => said(s, 'predicted') },
          { title: 'models.sampleLabel', cell: (s) => <strong>{said(s, 'label')}</strong> },
        ]}
      />
    </section>
  );
}
