// What a reader sees, measured in the browser: the page fits its window, every figure is drawn, no label leaves its
// figure or lies on another, and every bar's drawn length is its seconds on the figure's one scale (the bound too).
(() => {
  const problems = [];
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + 1) {
    problems.push(`the page is ${page.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  const figures = [...document.querySelectorAll('svg')];
  let bars = 0;
  figures.forEach((svg, index) => {
    const frame = svg.getBoundingClientRect();
    const name = (svg.querySelector('title') || {}).textContent || `figure ${index}`;
    if (frame.width < 1 || frame.height < 1) {
      problems.push(`${name}: not drawn`);
      return;
    }
    const labels = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
      .map(t => ({text: t.textContent.trim(), box: t.getBoundingClientRect()}));
    for (const {text, box} of labels) {
      if (box.left < frame.left - 1 || box.right > frame.right + 1 || box.top < frame.top - 1
          || box.bottom > frame.bottom + 1) {
        problems.push(`${name}: the label "${text}" leaves the figure`);
      }
    }
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i].box, b = labels[j].box;
        const across = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const down = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        const smaller = Math.min(a.width * a.height, b.width * b.height);
        if (across > 1 && down > 1 && across * down > 0.2 * smaller) {
          problems.push(`${name}: the labels "${labels[i].text}" and "${labels[j].text}" overlap`);
        }
      }
    }
    // Step bars: drawn length per second is one number per figure, and the dashed bound sits at its seconds.
    const drawn = [...svg.querySelectorAll('rect.bar[data-seconds]')]
      .map(r => ({seconds: Number(r.dataset.seconds), box: r.getBoundingClientRect()}))
      .filter(bar => bar.seconds > 0);
    bars += drawn.length;
    if (drawn.length > 0) {
      const longest = drawn.reduce((a, b) => (b.seconds > a.seconds ? b : a));
      const scale = longest.box.width / longest.seconds;
      for (const bar of drawn) {
        if (Math.abs(bar.box.left - longest.box.left) > 0.5 || Math.abs(bar.box.width - bar.seconds * scale) > 1) {
          problems.push(`${name}: a bar of ${bar.seconds} s is drawn ${bar.box.width.toFixed(1)}px long, `
                        + `not ${(bar.seconds * scale).toFixed(1)}px`);
        }
      }
      for (const bound of svg.querySelectorAll('line.bound[data-seconds]')) {
        const x = bound.getBoundingClientRect().left - longest.box.left;
        if (Math.abs(x - Number(bound.dataset.seconds) * scale) > 1.5) {
          problems.push(`${name}: the bound of ${bound.dataset.seconds} s is drawn at ${x.toFixed(1)}px`);
        }
      }
    }
  });
  return {problems, figures: figures.length, bars};
})()
