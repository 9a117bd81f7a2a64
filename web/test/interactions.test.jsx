import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import InteractionChecker, { InteractionReport } from '../src/components/InteractionChecker.jsx';
import { jsonResponse, renderWith } from './helpers.jsx';

const drug = (input, name_ko, name_en, ingredients) => ({ input, drug_id: 1, name_ko, name_en, ingredients });
const warfarin = drug('와파린', '와파린나트륨정', 'Warfarin tablet', ['warfarin']);
const aspirin = drug('아스피린', '아스피린정', 'Aspirin tablet', ['aspirin']);
const report = {
  resolved: [warfarin, aspirin],
  unresolved: ['없는약'],
  interactions: [
    { a: warfarin, b: aspirin, ingredient_a: 'warfarin', ingredient_b: 'aspirin', severity: 'minor', description: 'x', description_ko: '경미한 것', description_en: 'a minor one' },
    { a: warfarin, b: aspirin, ingredient_a: 'warfarin', ingredient_b: 'aspirin', severity: 'major', description: 'x', description_ko: '출혈 위험', description_en: 'bleeding risk' },
  ],
  duplicate_ingredients: [{ ingredient: 'acetaminophen', name_ko: '아세트아미노펜', name_en: 'acetaminophen', drugs: ['타이레놀', '게보린'] }],
  disclaimer_ko: '참고용입니다.',
  disclaimer_en: 'For information only.',
};

describe('interaction checker', () => {
  it('renders duplicates and interactions, most severe first, with unresolved names', () => {
    renderWith(<InteractionReport report={report} />, { lang: 'en' });
    const items = screen.getAllByTestId('interaction');
    expect(items.map((i) => i.dataset.severity)).toEqual(['duplicate', 'major', 'minor']);
    expect(items[1]).toHaveTextContent('Warfarin tablet + Aspirin tablet');
    expect(items[1]).toHaveTextContent('Major');
    expect(items[1]).toHaveTextContent('bleeding risk');
    expect(items[0]).toHaveTextContent('Same ingredient twice');
    expect(screen.getByText('Not found: 없는약')).toBeInTheDocument();
    expect(screen.getByText('3 combinations to watch')).toBeInTheDocument();
    expect(screen.getByText('For information only.')).toBeInTheDocument();
  });

  it('says so in words when nothing interacts', () => {
    renderWith(<InteractionReport report={{ ...report, unresolved: [], interactions: [], duplicate_ingredients: [] }} />);
    expect(screen.getByTestId('no-interactions')).toHaveTextContent('알려진 상호작용이 없습니다');
  });

  it('asks for two drugs before calling the API, then posts the list', async () => {
    const fetch = vi.fn(async () => jsonResponse(report));
    vi.stubGlobal('fetch', fetch);
    renderWith(<InteractionChecker />);
    fireEvent.change(screen.getByTestId('ix-input'), { target: { value: '와파린' } });
    fireEvent.click(screen.getByTestId('ix-check'));
    expect(await screen.findByText('약을 두 가지 이상 입력하세요.')).toBeInTheDocument();
    expect(fetch).not.toHaveBeenCalled();
    fireEvent.change(screen.getByTestId('ix-input'), { target: { value: '아스피린' } });
    fireEvent.click(screen.getByTestId('ix-check'));
    await screen.findByTestId('interaction-report');
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/api/drug/interactions');
    expect(JSON.parse(init.body)).toEqual({ drugs: ['와파린', '아스피린'] });
    expect(screen.getAllByTestId('interaction')[1]).toHaveTextContent('심각');
  });

  it('shows an API error as a sentence', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse({ error: { code: 'validation_failed', message: 'drugs must list between 2 and 20', request_id: 'q1', field: 'drugs' } }, 400)));
    renderWith(<InteractionChecker initial={['a', 'b']} />, { lang: 'en' });
    fireEvent.click(screen.getByTestId('ix-check'));
    await waitFor(() => expect(screen.getByTestId('error')).toHaveTextContent('Enter 2 to 10 drugs.'));
    expect(screen.getByTestId('error')).not.toHaveTextContent('must list');
  });
});
