import { describe, expect, it, vi } from 'vitest';
import { screen, waitFor, fireEvent, within } from '@testing-library/react';
import { AssistantMessage } from '../src/components/ChatMessage.jsx';
import TriageBanner from '../src/components/TriageBanner.jsx';
import Chat from '../src/pages/Chat.jsx';
import { jsonResponse, renderWith, sseResponse } from './helpers.jsx';

const emergency = { level: 'emergency', call_119: true, matched_rules: [] };

function follows(a, b) {
  return !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
}

describe('triage banner', () => {
  it('puts the emergency banner with tel:119 before the answer text, in both languages', () => {
    for (const lang of ['ko', 'en']) {
      const { unmount } = renderWith(
        <AssistantMessage msg={{ id: 'm1', text: 'Call 119 now. Steps…', triage: emergency, citations: [], disclaimer: 'd' }} />,
        { lang },
      );
      const banner = screen.getByTestId('triage-banner');
      expect(banner).toHaveAttribute('data-level', 'emergency');
      expect(banner).toHaveAttribute('role', 'alert');
      expect(within(banner).getByRole('link')).toHaveAttribute('href', 'tel:119');
      expect(follows(banner, screen.getByTestId('answer-text'))).toBe(true);
      unmount();
    }
  });

  it('treats call_119 as an emergency whatever the level says', () => {
    renderWith(<TriageBanner triage={{ level: 'urgent', call_119: true }} />);
    expect(screen.getByTestId('triage-banner')).toHaveAttribute('data-level', 'emergency');
  });

  it('shows no 119 button for routine and self-care answers', () => {
    renderWith(<TriageBanner triage={{ level: 'routine', call_119: false }} />);
    expect(screen.getByTestId('triage-banner')).toHaveAttribute('role', 'status');
    expect(screen.queryByTestId('call-119')).toBeNull();
  });

  it('shows the banner while streaming, before any text arrives', () => {
    renderWith(<AssistantMessage msg={{ text: '', triage: emergency, streaming: true }} />);
    expect(screen.getByTestId('triage-banner')).toBeInTheDocument();
    expect(screen.getByTestId('answer-text')).toHaveTextContent('');
    // the disclaimer and feedback come with the finished answer
    expect(screen.queryByTestId('thumbs-up')).toBeNull();
  });

  it('the chat page streams: banner first, then the text, then citations and the disclaimer', async () => {
    const done = {
      message: {
        id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', role: 'assistant', text: '지금 바로 119에 전화하세요.\n조치', triage: emergency,
        departments: ['emergency_medicine'], citations: [{ id: 'guide:chest-pain', title: '가슴 통증', source: '대한응급의학회', url: null }],
        clinics: [], drugs: [], guides: [], disclaimer: '이 답변은 일반적인 건강 정보입니다.', suggestions: [], degraded: [], lang: 'ko',
      },
    };
    let resolveStream;
    const gate = new Promise((r) => (resolveStream = r));
    vi.stubGlobal('fetch', vi.fn(async (url, init) => {
      if (url === '/api/chatbot/sessions' && init.method === 'POST') return jsonResponse({ id: 's1' }, 201);
      if (url === '/api/chatbot/sessions/s1/messages' && init.method === 'POST') {
        expect(init.headers.accept).toBe('text/event-stream');
        expect(JSON.parse(init.body)).toEqual({ text: '가슴이 아파요' });
        const enc = new TextEncoder();
        const body = new ReadableStream({
          async start(c) {
            c.enqueue(enc.encode(`event: triage\ndata: ${JSON.stringify(emergency)}\n\n`));
            await gate;
            c.enqueue(enc.encode('event: delta\ndata: "지금 바로 119에 전화하세요.\\n"\n\nevent: delta\ndata: "조치"\n\n'));
            c.enqueue(enc.encode(`event: done\ndata: ${JSON.stringify(done)}\n\n`));
            c.close();
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      }
      throw new Error(`unexpected ${init.method} ${url}`);
    }));
    renderWith(<Chat />);
    fireEvent.change(screen.getByTestId('chat-input'), { target: { value: '가슴이 아파요' } });
    fireEvent.click(screen.getByTestId('chat-send'));
    const banner = await screen.findByTestId('triage-banner');
    expect(banner).toHaveAttribute('data-level', 'emergency');
    expect(screen.getByTestId('answer-text')).toHaveTextContent(/^$/);
    resolveStream();
    await waitFor(() => expect(screen.getByTestId('citations')).toBeInTheDocument());
    expect(screen.getByTestId('answer-text')).toHaveTextContent('지금 바로 119에 전화하세요. 조치');
    expect(screen.getByTestId('citation')).toHaveAttribute('href', '/emergency/guides/chest-pain');
    expect(screen.getByTestId('disclaimer')).toHaveTextContent('이 답변은 일반적인 건강 정보입니다.');
    expect(follows(screen.getByTestId('triage-banner'), screen.getByTestId('answer-text'))).toBe(true);
  });
});
