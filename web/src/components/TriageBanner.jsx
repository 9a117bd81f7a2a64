import { useI18n } from '../i18n/index.jsx';
import Call119 from './Call119.jsx';

/**
 * The triage level of an answer, shown before the answer text. Emergencies
 * (or call_119) get the red banner with the tap-to-call 119 button.
 */
export default function TriageBanner({ triage }) {
  const { t } = useI18n();
  if (!triage || !triage.level) return null;
  const level = triage.call_119 ? 'emergency' : triage.level;
  const known = ['emergency', 'urgent', 'routine', 'self_care'].includes(level) ? level : 'routine';
  const emergency = known === 'emergency';
  return (
    <div
      className={`triage triage--${known}`}
      role={emergency ? 'alert' : 'status'}
      data-testid="triage-banner"
      data-level={known}
    >
      <p className="triage__title">
        <strong>{t(`triage.${known}.title`)}</strong>
      </p>
      <p>{t(`triage.${known}.body`)}</p>
      {emergency || known === 'urgent' ? <Call119 big={emergency} /> : null}
    </div>
  );
}
