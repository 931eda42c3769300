import { escapeHtml, html, oneLine, SafeHtml } from './html';

describe('html escaping', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes every interpolated value of an html`` template', () => {
    const name = '<script>alert("x")</script>';
    expect(html`<p>Hi ${name}</p>`.value).toBe('<p>Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>');
    expect(html`<a title="${`" onmouseover="steal()`}">x</a>`.value).toBe('<a title="&quot; onmouseover=&quot;steal()">x</a>');
  });

  it('keeps nested html`` fragments as markup, and escapes array items one by one', () => {
    const items = ['<b>', 'ok'].map((i) => html`<li>${i}</li>`);
    // prettier-ignore
    const list = html`<ul>${items}</ul>`;
    expect(list.value).toBe('<ul><li>&lt;b&gt;</li><li>ok</li></ul>');
    expect(html`${new SafeHtml('<br>')}`.value).toBe('<br>');
  });

  it('renders null, undefined and false as nothing, numbers as text', () => {
    expect(html`[${null}${undefined}${false}${0}${42}]`.value).toBe('[042]');
  });

  it('oneLine removes anything that could start a new header', () => {
    expect(oneLine('Hello\r\nBcc: victim@example.com')).toBe('Hello Bcc: victim@example.com');
    expect(oneLine('\ttabs\u0000and\u007fcontrols ')).toBe('tabs and controls');
  });
});
