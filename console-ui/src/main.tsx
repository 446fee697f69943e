import { render } from 'preact';
import { App } from './app';
import { adoptPath } from './router';
import { applyTheme, currentTheme } from './theme';
import './styles.css';

adoptPath();
applyTheme(currentTheme());
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(currentTheme()));
render(<App />, document.getElementById('app') as HTMLElement);
