/**
 * The officer corrects what a camera's analysis saw: the frame it analysed last is held still, the model's
 * animals shown as points (click a point to remove it, click elsewhere to add one) or its plate and seal
 * reads as boxes with their text (edit, remove, add). Saved, the frame and the truth become a labelled
 * sample the models are evaluated and fine-tuned on (models/README.md, "Labelled samples").
 */
import { useEffect, useState, type MouseEvent } from 'react';
import { api, mediaUrl } from '../api/client.ts';
import type { HeldFrame, VisionSample } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';
import { ActionButton, ErrorBanner, Modal } from './common.tsx';

export type CorrectableTask = 'count' | 'plate' | 'seal';
type Point = [number, number];
type Read = { text: string; box?: [number, number, number, number] };

/** A point closer than this (fraction of the picture's width) to a click is the one clicked. */
const HIT = 0.015;

export function CorrectionEditor({
  cameraId,
  camera,
  task,
  sessionId,
  onClose,
  onSaved,
}: {
  cameraId: string;
  camera: string;
  task: CorrectableTask;
  sessionId: string | null;
  onClose: () => void;
  onSaved?: (sample: VisionSample) => void;
}) {
  const { t } = useI18n();
  const [held, setHeld] = useState<HeldFrame | null>(null);
  const [points, setPoints] = useState<Point[]>([]);
  const [reads, setReads] = useState<Read[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .holdFrame({ cameraId, task, sessionId })
      .then((frame) => {
        if (!live) return;
        setHeld(frame);
        if (frame.predicted.task === 'count') setPoints(frame.predicted.points.map(([x, y]) => [x!, y!]));
        else if (frame.predicted.task === 'plate' || frame.predicted.task === 'seal') setReads(frame.predicted.reads.map((r) => ({ text: r.text, box: [r.box[0]!, r.box[1]!, r.box[2]!, r.box[3]!] })));
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [cameraId, task, sessionId]);

  const onPicture = (e: MouseEvent<SVGSVGElement>) => {
    if (task !== 'count') return;
    const r = e.currentTarget.getBoundingClientRect();
    const at: Point = [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
    const aspect = r.height / r.width;
    const hit = points.findIndex(([x, y]) => Math.hypot(x - at[0], (y - at[1]) * aspect) < HIT);
    setPoints(hit >= 0 ? points.filter((_, i) => i !== hit) : [...points, at]);
  };

  const save = async () => {
    if (!held) return;
    const label = task === 'count' ? { task, points } : { task, reads: reads.filter((r) => r.text.trim() !== '') };
    const sample = await api.labelFrame(held.frameId, label);
    setSaved(true);
    onSaved?.(sample);
  };

  const predictedCount = held?.predicted.task === 'count' ? held.predicted.count : null;
  const title = t(`correction.title.${task}`, { camera });
  return (
    <Modal title={title} onClose={onClose} wide>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {!held && !error && <p className="muted">{t('common.loading')}</p>}
      {held && (
        <div className="correction" data-testid="correction-editor">
          <p className="muted small">{t(`correction.hint.${task}`)}</p>
          <div className="correction-picture" style={{ aspectRatio: `${held.width} / ${held.height}`, width: `min(100%, calc((90vh - 17rem) * ${held.width / held.height}))` }}>
            <img src={mediaUrl.heldFrame(held.frameId)} alt={title} />
            <svg role="img" aria-label={title} viewBox="0 0 1 1" preserveAspectRatio="none" onClick={onPicture} data-testid="correction-canvas" className={task === 'count' ? 'clickable' : undefined}>
              {task === 'count' && points.map(([x, y], i) => <ellipse key={i} cx={x} cy={y} rx={0.008} ry={(0.008 * held.width) / held.height} className="correction-point" />)}
              {task !== 'count' && reads.map((r, i) => r.box && <rect key={i} x={r.box[0]} y={r.box[1]} width={r.box[2]} height={r.box[3]} className="correction-box" />)}
            </svg>
          </div>
          {task === 'count' ? (
            <p data-testid="correction-count">{t('correction.counts', { model: predictedCount ?? 0, yours: points.length })}</p>
          ) : (
            <div className="correction-reads">
              {reads.length === 0 && <p className="muted">{t('correction.noReads')}</p>}
              {reads.map((r, i) => (
                <span className="inline" key={i}>
                  <input value={r.text} maxLength={20} aria-label={t('correction.readText')} onChange={(e) => setReads(reads.map((x, j) => (j === i ? { ...x, text: e.target.value } : x)))} />
                  <button type="button" className="link" onClick={() => setReads(reads.filter((_, j) => j !== i))}>
                    {t('correction.removeRead')}
                  </button>
                </span>
              ))}
              <button type="button" className="secondary" onClick={() => setReads([...reads, { text: '' }])} disabled={reads.length >= 8}>
                {t('correction.addRead')}
              </button>
            </div>
          )}
          <p className="muted small">{t('correction.model', { model: held.model })}</p>
          <div className="actions correction-actions">
            {saved ? (
              <strong data-testid="correction-saved">{t('correction.saved')}</strong>
            ) : (
              <ActionButton action={save} onError={setError} data-testid="correction-save">
                {t('correction.save')}
              </ActionButton>
            )}
            <button type="button" className="secondary" onClick={onClose}>
              {saved ? t('common.close') : t('common.cancel')}
            </button>
          </div>
        </div>
      )}
    </Modal>
  );
}

/** One "Correct…" button per task a camera's analysis shows results for; opens the editor. */
export function CorrectButtons({ cameraId, camera, tasks, sessionId }: { cameraId: string; camera: string; tasks: CorrectableTask[]; sessionId: string | null }) {
  const { t } = useI18n();
  const [open, setOpen] = useState<CorrectableTask | null>(null);
  return (
    <>
      {tasks.map((task) => (
        <button key={task} type="button" className="secondary" data-testid={`correct-${task}`} onClick={() => setOpen(task)}>
          {t(`correction.open.${task}`, { camera })}
        </button>
      ))}
      {open && <CorrectionEditor cameraId={cameraId} camera={camera} task={open} sessionId={sessionId} onClose={() => setOpen(null)} />}
    </>
  );
}
