// Reception form: the time limit the officer confirms is the chosen channel's.
// Changing "Hình thức nộp" refills "Thời hạn giải quyết hẹn cho hồ sơ này" with that
// channel's limit and unit from the catalog, and clears the tick: a limit checked
// for another channel (another number, another unit) must be checked again.
(function () {
  "use strict";
  const select = document.getElementById("channel");
  const input = document.getElementById("confirmed_time_limit");
  if (!select || !input) return;
  const label = document.getElementById("confirmed_time_limit_label");
  const unit = document.getElementById("confirmed_unit");
  const sameDay = document.getElementById("confirmed_same_day");
  const forChannel = document.getElementById("confirmed_channel");
  const checked = document.getElementById("time_limit_checked");
  select.addEventListener("change", () => {
    const option = select.options[select.selectedIndex];
    if (!option || forChannel.value === option.value) return;
    const same = option.dataset.unit === "same_day";
    input.value = option.dataset.limit;
    unit.textContent = option.dataset.unitName;
    label.hidden = same;
    sameDay.hidden = !same;
    forChannel.value = option.value;
    if (checked) checked.checked = false;
  });
})();
