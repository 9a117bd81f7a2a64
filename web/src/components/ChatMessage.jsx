import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useI18n, pick } from '../i18n/index.jsx';
import { api } from '../api/client.js';
import TriageBanner from './TriageBanner.jsx';
import Departments from './Departments.jsx';
import ErrorMessage from './ErrorMessage.jsx';
import Disclaimer from './Disclaimer.jsx';
import { ThumbDown, ThumbUp } from './Icons.jsx';

/** Where a citation opens: the SPA's own page for it, else its source URL. */
export function citationHref(c, drugs = []) {
  const [kind, ...rest] = String(c.id || '').split(':');
  const slug = rest.join(':');
  if (kind === 'guide' && slug) return `/emergency/guides/${encodeURIComponent(slug)}`;
  if (kind === 'condition' && slug) return `/conditions/${encodeURIComponent(slug)}`;
  if (kind === 'drug') {
    const d = drugs.find((x) => x.name_ko === c.title || x.name_en === c.title);
    if (d?.id) return `/drugs/${d.id}`;
    return `/drugs?q=${encodeURIComponent(c.title)}`;
  }
  return null;
}

function Feedback({ messageId }) {
  const { t } = useI18n();
  const [sent, setSent] = useState(null);
  const [error, setError] = useState(null);
  const rate = async (rating) => {
    setError(null);
    try {
      await api(`/chatbot/messages/${encodeURIComponent(messageId)}/feedback`, { method: 'POST', body: { rating } });
      setSent(rating);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="feedback">
      <span id={`fb-${messageId}`}>{t('chat.feedback')}</span>
      <div className="feedback__buttons" role="group" aria-labelledby={`fb-${messageId}`}>
        <button type="button" className="btn btn--icon" aria-pressed={sent === 'up'} onClick={() => rate('up')} data-testid="thumbs-up">
          <ThumbUp /> <span>{t('chat.thumbsUp')}</span>
        </button>
        <button type="button" className="btn btn--icon" aria-pressed={sent === 'down'} onClick={() => rate('down')} data-testid="thumbs-down">
          <ThumbDown /> <span>{t('chat.thumbsDown')}</span>
        </button>
      </div>
      {sent ? (
        <p className="muted" role="status">
          {t('chat.feedbackThanks')}
        </p>
      ) : null}
      <ErrorMessage error={error} />
    </div>
  );
}

/** One assistant answer: the triage banner first, then the text, its sources and suggestions. */
export function AssistantMessage({ msg, onSuggestion }) {
  const { t, lang } = useI18n();
  const done = !msg.streaming;
  return (
    <article className="msg msg--bot" data-testid="bot-message" aria-busy={msg.streaming ? 'true' : 'false'}>
      <p className="msg__who">{t('chat.bot')}</p>
      <TriageBanner triage={msg.triage} />
      <div className="msg__text" data-testid="answer-text">
        {(msg.text || '').trimStart()}
        {msg.streaming ? <span className="cursor" aria-hidden="true" /> : null}
      </div>
      {done && msg.degraded?.length ? <p className="muted">{t('chat.degraded')}</p> : null}
      {done && msg.departments?.length ? (
        <section>
          <h3>{t('chat.departments')}</h3>
          <Departments slugs={msg.departments} />
        </section>
      ) : null}
      {done && msg.clinics?.length ? (
        <section>
          <h3>{t('chat.clinics')}</h3>
          <ul className="list">
            {msg.clinics.map((c, i) => (
              <li key={c.id ?? i}>
                <strong>{c.name}</strong>
                {typeof c.distance_km === 'number' ? <> · {t('clinics.distance', { km: c.distance_km.toFixed(1) })}</> : null}
                {c.er_phone || c.phone ? (
                  <>
                    {' '}
                    · <a href={`tel:${c.er_phone || c.phone}`}>{c.er_phone || c.phone}</a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {done && msg.drugs?.length ? (
        <section>
          <h3>{t('chat.drugs')}</h3>
          <ul className="chips">
            {msg.drugs.map((d) => (
              <li key={d.id}>
                <Link className="chip" to={`/drugs/${d.id}`}>
                  {pick(d, 'name', lang)}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {done && msg.citations?.length ? (
        <section>
          <h3>{t('chat.citations')}</h3>
          <ol className="citations" data-testid="citations">
            {msg.citations.map((c) => {
              const href = citationHref(c, msg.drugs);
              return (
                <li key={c.id}>
                  {href ? (
                    <Link to={href} data-testid="citation">
                      {c.title}
                    </Link>
                  ) : (
                    <span data-testid="citation">{c.title}</span>
                  )}
                  {c.source ? <span className="muted"> · {c.source}</span> : null}
                  {c.url ? (
                    <>
                      {' '}
                      ·{' '}
                      <a href={c.url} target="_blank" rel="noopener noreferrer">
                        {t('common.source')}
                      </a>
                    </>
                  ) : null}
                </li>
              );
            })}
          </ol>
        </section>
      ) : null}
      {done && msg.suggestions?.length && onSuggestion ? (
        <section>
          <h3>{t('chat.suggestions')}</h3>
          <ul className="chips">
            {msg.suggestions.map((s) => (
              <li key={s}>
                <button type="button" className="chip" onClick={() => onSuggestion(s)}>
                  {s}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {done ? <Disclaimer text={msg.disclaimer} /> : null}
      {done && msg.id ? <Feedback messageId={msg.id} /> : null}
    </article>
  );
}

export function UserMessage({ msg }) {
  const { t } = useI18n();
  return (
    <article className="msg msg--user" data-testid="user-message">
      <p className="msg__who">{t('chat.you')}</p>
      <div className="msg__text">{msg.text}</div>
    </article>
  );
}
