// Labels of the 免证办 page: Simplified Chinese first, English second (registered with the
// console's i18n.js).

import { addLabels } from "/console/static/js/i18n.js";

addLabels({
  "nav.elicence": ["免证办：亮证核验", "Certificate-free services"],
  "el.intro": [
    "各部门签发电子证照时只把证照关键特征值（承诺）上链；持证人经实名与人脸核验后，授权办事窗口在限定用途与时间内查看指定项目，出示一次性“亮证”码；窗口核验签名、承诺与状态，每次核验都记录在链上。",
    "Departments put only a commitment to each e-licence on chain; the holder, after real-name and face verification, authorises a service to see named items for a purpose and a window and shows a single-use presentation; the service checks signature, commitment and status, and every check is on chain.",
  ],
  "el.catalogue": ["链上电子证照目录", "E-licences on chain"],
  "el.type": ["证照", "Licence"],
  "el.issuers": ["签发机构", "Issuers"],
  "el.claims": ["项目", "Items"],
  "el.providers": ["身份认证服务：", "Identity providers:"],
  "el.level": ["可信等级", "level"],
  "el.disabled": ["已停用", "disabled"],
  "el.checks": ["亮证核验记录", "Checks of shown licences"],
  "el.checksnote": ["办事窗口（核验机构）核验过的每一次出示，最新在前：只显示出示的项目名称，不显示内容。", "Every presentation a service checked, newest first: the names of the items shown, never their values."],
  "el.result": ["结果", "Result"],
  "el.holder": ["持证人", "Holder"],
  "el.shown": ["出示项目", "Items shown"],
  "el.purpose": ["用途", "Purpose"],
  "el.tx": ["交易", "Transaction"],
});
