import AdminPage from '../components/admin/AdminPage.vue'
import { mountPage } from '../mount'

mountPage(AdminPage, 'admin')
