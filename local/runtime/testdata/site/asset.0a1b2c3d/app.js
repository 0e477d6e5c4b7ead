const cfg = await (await fetch("/config.json")).json();
document.querySelector("main").textContent = cfg.apiUrl;
