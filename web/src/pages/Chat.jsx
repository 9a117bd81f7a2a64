import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/index.jsx';
import { useAuth } from '../api/auth.jsx';
import { ApiError, api, streamMessage } from '../api/client.js';
import { AssistantMessage, UserMessage } from '../components/ChatMessage.jsx';
import ErrorMessage from '../components/ErrorMessage.jsx';

const SESSION_KEY = 'medi.chatSession';

function savedSession() {
  try {
    return window.sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}
function saveSession(id) {
  try {
    if (id) window.sessionStorage.setItem(SESSION_KEY, id);
    else window.sessionStorage.removeItem(SESSION_KEY);
  } catch {
    /* storage unavailable */
  }
}

export default function Chat() {
  const { t, lang } = useI18n();
  const { signedIn } = useAuth();
  const [sessions, setSessions] = useState([]);
  const [sessionId, setSessionId] = useState(savedSession);
  const [messages, setMessages] = useState([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [coords, setCoords] = useState(null);
  const inputRef = useRef(null);
  const endRef = useRef(null);

  const loadSessions = useCallback(async () => {
    if (!signedIn) {
      setSessions([]);
      return;
    }
    try {
      const list = await api('/chatbot/sessions');
      setSessions(Array.isArray(list) ? list : list?.sessions || list?.items || []);
    } catch {
      setSessions([]);
    }
  }, [signedIn]);

  useEffect(() => {
    loadSessions();
  }, [loadSessions]);

  // history of a session that is opened (not of one just created): answers
  // carry their whole message (banner, citations, clinics); turns restored
  // from the archive have text only
  const openSession = useCallback(async (id) => {
    saveSession(id);
    setSessionId(id);
    setMessages([]);
    setError(null);
    try {
      const h = await api(`/chatbot/sessions/${encodeURIComponent(id)}/messages`);
      setMessages(
        (h?.messages || []).map((m) =>
          m.role === 'assistant' && m.message ? { ...m.message, key: m.id } : { id: m.id, role: m.role, text: m.text, history: true },
        ),
      );
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'not_found' || e.code === 'forbidden' || e.code === 'unauthorized')) {
        saveSession(null);
        setSessionId(null);
      } else setError(e);
    }
  }, []);

  useEffect(() => {
    const saved = savedSession();
    if (saved) openSession(saved);
  }, [openSession]);

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: 'end' });
  }, [messages]);

  const newSession = async () => {
    const s = await api('/chatbot/sessions', { method: 'POST' });
    saveSession(s.id);
    setSessionId(s.id);
    setMessages([]);
    loadSessions();
    return s.id;
  };

  const startNew = async () => {
    setError(null);
    try {
      await newSession();
      inputRef.current?.focus();
    } catch (e) {
      setError(e);
    }
  };

  const send = async (question) => {
    const q = (question ?? text).trim();
    if (!q || busy) return;
    setError(null);
    setBusy(true);
    setText('');
    const userMsg = { role: 'user', text: q, key: `u${Date.now()}` };
    const botKey = `b${Date.now()}`;
    setMessages((m) => [...m, userMsg, { role: 'assistant', key: botKey, text: '', streaming: true }]);
    const update = (fn) => setMessages((m) => m.map((x) => (x.key === botKey ? fn(x) : x)));
    try {
      let id = sessionId;
      if (!id) id = await newSession().then((nid) => {
        // newSession cleared the list; put the pending turn back
        setMessages([userMsg, { role: 'assistant', key: botKey, text: '', streaming: true }]);
        return nid;
      });
      const payload = { text: q, ...(coords ? { lat: coords.lat, lon: coords.lon } : {}) };
      let final;
      try {
        final = await streamMessage(id, payload, {
          onTriage: (triage) => update((x) => ({ ...x, triage })),
          onDelta: (piece) => update((x) => ({ ...x, text: x.text + piece })),
        });
      } catch (e) {
        if (e instanceof ApiError && e.code === 'not_found') {
          // the session expired: start a new one and ask again once
          id = await newSession();
          setMessages([userMsg, { role: 'assistant', key: botKey, text: '', streaming: true }]);
          final = await streamMessage(id, payload, {
            onTriage: (triage) => update((x) => ({ ...x, triage })),
            onDelta: (piece) => update((x) => ({ ...x, text: x.text + piece })),
          });
        } else throw e;
      }
      update(() => ({ ...final, key: botKey, streaming: false }));
    } catch (e) {
      setMessages((m) => m.filter((x) => x.key !== botKey));
      setError(e);
      setText(q);
    } finally {
      setBusy(false);
      inputRef.current?.focus();
    }
  };

  const useLocation = () => {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      (p) => setCoords({ lat: p.coords.latitude, lon: p.coords.longitude }),
      () => setCoords(null),
      { timeout: 10000 },
    );
  };

  return (
    <div className="chat">
      <h1>{t('chat.title')}</h1>
      <p>{t('chat.intro')}</p>
      <div className="chat__layout">
        <aside className="chat__sessions" aria-labelledby="sessions-title">
          <h2 id="sessions-title">{t('chat.sessions')}</h2>
          <button type="button" className="btn btn--secondary" onClick={startNew} data-testid="new-session">
            + {t('chat.newSession')}
          </button>
          {signedIn ? (
            <ul className="list">
              {sessions.map((s, i) => (
                <li key={s.id}>
                  <button
                    type="button"
                    className="linklike"
                    aria-current={s.id === sessionId ? 'true' : undefined}
                    onClick={() => openSession(s.id)}
                  >
                    {t('chat.sessionLabel', { n: sessions.length - i })}
                    {s.created_at ? (
                      <span className="muted">
                        {' '}
                        · {new Date(s.created_at > 1e12 ? s.created_at : s.created_at * 1000).toLocaleString(lang === 'en' ? 'en-GB' : 'ko-KR', { dateStyle: 'short', timeStyle: 'short' })}
                      </span>
                    ) : null}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t('chat.sessionsLoginHint')}</p>
          )}
        </aside>
        <section className="chat__main" aria-label={t('chat.title')}>
          <div className="chat__log" aria-live="polite" aria-relevant="additions text" data-testid="chat-log">
            {messages.length === 0 ? <p className="muted">{t('chat.empty')}</p> : null}
            {messages.map((m, i) =>
              m.role === 'user' ? (
                <UserMessage key={m.key || m.id || i} msg={m} />
              ) : m.history ? (
                <article key={m.id || i} className="msg msg--bot">
                  <p className="msg__who">{t('chat.bot')}</p>
                  <div className="msg__text">{m.text}</div>
                </article>
              ) : (
                <AssistantMessage key={m.key || m.id || i} msg={m} onSuggestion={(s) => send(s)} />
              ),
            )}
            {busy ? (
              <p className="muted" role="status">
                {t('chat.sending')}
              </p>
            ) : null}
            <div ref={endRef} />
          </div>
          <ErrorMessage error={error} />
          <form
            className="chat__form"
            onSubmit={(e) => {
              e.preventDefault();
              send();
            }}
          >
            <label htmlFor="chat-input" className="field__label">
              {t('chat.inputLabel')}
            </label>
            <textarea
              id="chat-input"
              ref={inputRef}
              rows={2}
              maxLength={2000}
              value={text}
              placeholder={t('chat.inputPlaceholder')}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                  e.preventDefault();
                  send();
                }
              }}
              data-testid="chat-input"
            />
            <div className="row">
              <button type="submit" className="btn" disabled={busy || !text.trim()} data-testid="chat-send">
                {t('chat.send')}
              </button>
              <button type="button" className="btn btn--secondary" onClick={useLocation} aria-pressed={!!coords}>
                {coords ? t('chat.locationOn') : t('chat.useLocation')}
              </button>
            </div>
          </form>
        </section>
      </div>
    </div>
  );
}
