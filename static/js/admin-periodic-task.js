/* The admin form of a periodic task (django-celery-beat): shows the chosen crontab in words
   under the crontab field. Was an inline script in the package's template. */
(function () {
  "use strict";
  var script = document.currentScript;
  var $ = window.django && window.django.jQuery;
  if (!script || !$) return;
  var readableCrontabs = JSON.parse($("#readable-crontabs").text());
  var originalCrontabHelp = script.getAttribute("data-crontab-help") || "";
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var help = $(".field-crontab .help");
    help.text(originalCrontabHelp);
    help.append($("<br>"), document.createTextNode(
      "Translation: " + (readableCrontabs[$("#id_crontab").val()] || "")));
  });
})();
